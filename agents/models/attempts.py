"""Attempts to act written as text that is not a tool call the interface reads.

Models without reliable tool calling often answer with a tool call written out:
``{"name": "send_email", "arguments": {...}}`` (also ``{"tool": ..., "parameters": ...}``,
inside ``<tool_call>`` tags or a ```` ```json ```` fence), a made-up tag such as
``<reply_email:Alex>``, ``<send_email>`` or any ``<name:argument>``, code such as
``send_email(to="...")``, or, with native tools, the ``<tool_use:...>`` text syntax. None
of these is run: a researcher must never get an action the model did not make through its
interface. They are found here so that the run records that the model tried to act and
could not.

Thoughts and quotes (see :func:`text_tools.layout`) are not attempts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from insider_sim.agents.models.text_tools import (
    PUBLISHED_NAMES,
    TextLayout,
    layout,
    normal_name,
    parse_arguments,
)

NAME_KEYS = ("name", "tool", "tool_name", "function", "action", "recipient_name", "command")
"""Keys that name the tool in a call written as JSON."""
ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "params", "action_input")
"""Keys that hold a call's arguments in a call written as JSON."""
CALL_TAGS = frozenset(
    {
        "tool_call",
        "tool_calls",
        "function_call",
        "function_calls",
        "functioncall",
        "tool_use",
        "tool_code",
        "tool",
        "function",
        "invoke",
        "call",
        "action",
        "use_tool",
    }
)
"""Tag names that announce a tool call in the common made-up formats."""
URL_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "file", "urn", "data", "tel"})
"""Names before a colon in ``<...>`` that make an address, not a tag."""

_TAG = re.compile(r"<\s*([A-Za-z_][\w.-]*)((?:\s*[:=]\s*|\s+)[^<>\n]*)?\s*/?>")
_EMAIL_OPEN = re.compile(r"<\s*email\s*>\s*\n?\s*(?:to|subject)\s*:", re.IGNORECASE)
_DECODER = json.JSONDecoder()


@dataclass
class Attempt:
    """One attempt to act: what was written, which tool it names (if any) and its arguments.

    `kind` is ``json``, ``tag``, ``code`` or ``block`` (the text syntax in native mode);
    `tool` is an offered tool or the name as written (None when none is named);
    `inside` names a thinking or quoting tag, never closed, that the attempt follows.
    """

    kind: str
    written: str
    span: tuple[int, int]
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    inside: str = ""

    def describe(self) -> str:
        """A short line for the event log, e.g. ``send_email written as JSON text``."""
        what = self.tool or "a tool call"
        first = self.written.strip().split("\n", 1)[0]
        shown = " ".join((first if self.kind == "block" else self.written).split())[:60]
        text = {
            "json": f"{what} written as JSON text",
            "tag": f"{what} written as the made-up tag {shown}",
            "code": f"{what} written as code: {shown}",
            "block": f"{what} written as a text block {shown}",
        }[self.kind]
        return f"{text}, after <{self.inside}> left open" if self.inside else text


def _aliases(tool_names: Sequence[str]) -> dict[str, str]:
    """Every spelling that names a tool (its name, the published short name) to the tool."""
    names = {normal_name(n): n for n in tool_names}
    for short, own in PUBLISHED_NAMES.items():
        if own in tool_names:
            names.setdefault(short, own)
    return names


def _named(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name")
    return value if isinstance(value, str) and value.strip() else None


def _arguments(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return dict(value) if isinstance(value, Mapping) else None


def call_in_json(obj: Any, aliases: Mapping[str, str]) -> tuple[str, dict[str, Any]] | None:
    """The (tool, arguments) a JSON value writes out as a call, or None.

    A call names a tool under one of `NAME_KEYS` and either the tool is known or the
    object also has one of `ARGUMENT_KEYS`; ``{"send_email": {...}}`` also counts.
    The tool is returned as known, else as written.
    """
    if not isinstance(obj, Mapping):
        return None
    function = obj.get("function")
    if isinstance(function, Mapping) and _named(function):
        return call_in_json(function, aliases)
    for key in NAME_KEYS:
        name = _named(obj.get(key))
        if name is None:
            continue
        known = aliases.get(normal_name(name))
        args = next((obj[k] for k in ARGUMENT_KEYS if k in obj), None)
        if known is not None or args is not None:
            other = {k: v for k, v in obj.items() if k != key}
            found = _arguments(args) if args is not None else other
            return known or name, found or {}
    if len(obj) == 1:
        ((key, value),) = obj.items()
        known = aliases.get(normal_name(str(key)))
        if known is not None and isinstance(value, Mapping):
            return known, dict(value)
    return None


def _json_attempts(text: str, found: TextLayout, aliases: Mapping[str, str]) -> list[Attempt]:
    attempts: list[Attempt] = []
    position = 0
    while (start := text.find("{", position)) != -1:
        position = start + 1
        if found.is_masked(start):
            continue
        try:
            obj, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        call = call_in_json(obj, aliases)
        if call is not None:
            attempts.append(Attempt("json", text[start:end], (start, end), *call))
            position = end
    return attempts


def _tag_attempts(
    text: str, found: TextLayout, aliases: Mapping[str, str], taken: list[tuple[int, int]]
) -> list[Attempt]:
    attempts = []
    for match in _TAG.finditer(text):
        start, end = match.span()
        name = normal_name(match.group(1))
        rest = (match.group(2) or "").strip(" :=\"'")
        if found.is_masked(start) or any(a <= start < b for a, b in taken):
            continue
        if name == "email" and not rest:
            continue  # an <email> quote; one written like a tool block is found below
        if name in aliases:
            tool: str | None = aliases[name]
        elif name in CALL_TAGS:
            named = re.match(r"(?:name\s*=\s*)?[\"']?([A-Za-z_][\w.-]*)", rest)
            tool = aliases.get(normal_name(named.group(1)), named.group(1)) if named else None
        elif (match.group(2) or "").lstrip().startswith(":") and name not in URL_SCHEMES:
            tool = match.group(1)  # <verb_thing:Someone>, the shape of the text tool syntax
        else:
            continue
        after = text[end:].lstrip(" \t\r\n`")
        if after.startswith("json"):
            after = after[4:].lstrip()
        arguments: dict[str, Any] = {}
        if after.startswith("{"):
            try:
                obj, _ = _DECODER.raw_decode(after)
            except json.JSONDecodeError:
                obj = None
            if call_in_json(obj, aliases) is not None:
                continue  # the JSON that follows is the attempt, already counted
            arguments = dict(obj) if isinstance(obj, Mapping) else {}
        else:
            arguments = _key_lines(text, end, match.group(1))
        attempts.append(Attempt("tag", match.group(0), (start, end), tool, arguments))
    for match in _EMAIL_OPEN.finditer(text):  # an <email> written with to:/subject: lines
        if found.is_masked(match.start(), strict=True) or _within(match.span(), taken):
            continue
        tool = aliases.get("email")
        opened = text.index(">", match.start()) + 1
        arguments = _key_lines(text, opened, "email")
        attempts.append(Attempt("tag", "<email>", (match.start(), opened), tool, arguments))
    return attempts


def _key_lines(text: str, start: int, tag: str) -> dict[str, Any]:
    """The ``key: value`` lines after a made-up tag, up to its closing tag (none: {})."""
    close = re.compile(rf"<\s*/\s*{re.escape(tag)}\s*>", re.IGNORECASE).search(text, start)
    arguments, stray = parse_arguments(text[start : close.start() if close else len(text)], ())
    return {} if stray else arguments


def _code_attempts(
    text: str, found: TextLayout, tool_names: Sequence[str], taken: list[tuple[int, int]]
) -> list[Attempt]:
    if not tool_names:
        return []
    names = "|".join(re.escape(n) for n in sorted(tool_names, key=len, reverse=True))
    pattern = re.compile(rf"\b({names})\s*\(\s*(?:\)|[A-Za-z_]\w*\s*=)")
    return [
        Attempt("code", text[m.start() : m.end() + 40].split("\n")[0], m.span(), m.group(1))
        for m in pattern.finditer(text)
        if not found.is_masked(m.start()) and not any(a <= m.start() < b for a, b in taken)
    ]


def find_attempts(
    text: str, tool_names: Sequence[str], *, include_blocks: bool = True
) -> list[Attempt]:
    """The attempts to act in a reply's `text`, in order (see the module docstring).

    `tool_names` are the tools offered to the model. With `include_blocks` the
    ``<tool_use:...>`` text syntax counts too (native tool mode); without, those blocks
    are left to the text tool parser. Thoughts and quotes never count; attempts after a
    thinking or quoting tag that is never closed name it in ``inside``.
    """
    aliases = _aliases(tool_names)
    found = layout(text, {name: () for name in aliases})
    taken = [block.span for block in found.blocks]
    attempts: list[Attempt] = []
    if include_blocks:
        for block in found.blocks:
            tool = aliases.get(normal_name(block.name), block.name)
            attempts.append(Attempt("block", block.written, block.span, tool, block.arguments))
    outside = [a for a in _json_attempts(text, found, aliases) if not _within(a.span, taken)]
    taken += [a.span for a in outside]
    outside += _tag_attempts(text, found, aliases, taken)
    taken += [a.span for a in outside]
    outside += _code_attempts(text, found, list(tool_names), taken)
    attempts += outside
    if found.open_region is not None:
        opened, tag = found.open_region
        for attempt in attempts:
            attempt.inside = tag if attempt.span[0] > opened else ""
    return sorted(attempts, key=lambda a: a.span[0])


def _within(span: tuple[int, int], taken: Sequence[tuple[int, int]]) -> bool:
    return any(a <= span[0] < b for a, b in taken)
