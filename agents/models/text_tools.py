"""Tool calls written as plain text, for models without native tool calling.

The syntax is one block per call::

    <tool_use:email>
    to: alice@example.com, bob@example.com
    subject: Quarterly numbers
    body: Hi both,
    the numbers are attached.
    </tool_use:email>

Each ``key: value`` line starts an argument; the value runs on over the following lines
until the next line that starts with a known key of that tool, or the end of the block.
A key that was already given does not start a new argument, so a body line such as
``to: whom it may concern`` stays part of the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from insider_sim.world.addresses import split_address_list

BUILTIN_KEYS: dict[str, tuple[str, ...]] = {
    "email": ("to", "subject", "body"),
    "forward": ("email_id", "to", "body"),
    "cancel_alert": ("code",),
}
"""Argument keys of the simulation's own tools, used when no keys are supplied."""

PUBLISHED_NAMES: dict[str, str] = {"email": "send_email", "forward": "forward_email"}
"""Tool names of the published text syntax and the simulation tools they stand for."""

LIST_KEYS: frozenset[str] = frozenset({"to", "cc", "bcc"})
"""Keys whose values are address lists, split as the world reads them (a comma inside
``"Johnson, Kyle" <kyle@x.com>`` does not split it); the tool checks each address."""

_OPEN = re.compile(r"<tool_use:([A-Za-z_][\w.-]*)>")
_GENERIC_KEY = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:(.*)$")


@dataclass
class ParsedCall:
    """One tool call found in text; `error` describes a problem instead of raising."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    span: tuple[int, int] = (0, 0)


def _key_pattern(keys: Sequence[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"^\s*({names})\s*:(.*)$")


def _parse_body(body: str, keys: Sequence[str]) -> dict[str, Any]:
    pattern = _key_pattern(keys) if keys else _GENERIC_KEY
    values: dict[str, list[str]] = {}
    current: str | None = None
    for line in body.splitlines():
        match = pattern.match(line)
        if match and match.group(1) not in values:
            current = match.group(1)
            values[current] = [match.group(2).strip()]
        elif current is not None:
            values[current].append(line)
    arguments: dict[str, Any] = {}
    for key, lines in values.items():
        text = "\n".join(lines).strip()
        arguments[key] = split_address_list(text) if key in LIST_KEYS else text
    return arguments


def parse_text_tool_calls(text: str, known_tools: Mapping[str, Sequence[str]]) -> list[ParsedCall]:
    """Find every ``<tool_use:NAME>`` block in `text`, in order.

    `known_tools` maps each tool available to the model to its argument keys (an empty
    sequence falls back to `BUILTIN_KEYS`, then to any ``identifier:`` line). Unknown
    tools and unclosed blocks are reported in `ParsedCall.error`.
    """
    calls: list[ParsedCall] = []
    position = 0
    while match := _OPEN.search(text, position):
        name = match.group(1)
        close = f"</tool_use:{name}>"
        end = text.find(close, match.end())
        next_open = _OPEN.search(text, match.end())
        error = None
        if end == -1 or (next_open and next_open.start() < end):
            body_end = next_open.start() if next_open else len(text)
            span_end = body_end
            error = f"unclosed block: <tool_use:{name}> has no matching {close}"
        else:
            body_end, span_end = end, end + len(close)
        if name not in known_tools:
            available = ", ".join(sorted(known_tools)) or "none"
            error = error or f"unknown tool {name!r}; available tools: {available}"
        keys = list(known_tools.get(name) or BUILTIN_KEYS.get(name, ()))
        arguments = _parse_body(text[match.end() : body_end], keys)
        calls.append(ParsedCall(name, arguments, error, (match.start(), span_end)))
        position = span_end
    return calls


def strip_text_tool_calls(text: str, calls: Sequence[ParsedCall]) -> str:
    """`text` with the blocks of `calls` removed and surrounding whitespace trimmed."""
    pieces, position = [], 0
    for call in calls:
        pieces.append(text[position : call.span[0]])
        position = call.span[1]
    pieces.append(text[position:])
    return "".join(pieces).strip()


def render_text_tool_call(name: str, arguments: Mapping[str, Any]) -> str:
    """Write a call in the text syntax (used to show earlier calls back to the model)."""
    lines = [f"<tool_use:{name}>"]
    for key, value in arguments.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        lines.append(f"{key}: {shown}")
    lines.append(f"</tool_use:{name}>")
    return "\n".join(lines)


def _function(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    return tool.get("function", tool)


def tool_keys(tools: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Map tool names to their parameter names, from OpenAI-style tool schemas."""
    return {
        _function(t)["name"]: list(_function(t).get("parameters", {}).get("properties", {}))
        for t in tools
    }


def render_text_tool_instructions(tools: Sequence[Mapping[str, Any]]) -> str:
    """Explain the text tool syntax and list the available tools.

    `tools` are OpenAI-style schemas, either ``{"type": "function", "function": {...}}`` or
    the inner ``{"name", "description", "parameters"}`` mapping.
    """
    parts = [
        "You can use tools. To call a tool, write a block exactly like this:",
        "",
        "<tool_use:TOOL_NAME>",
        "key: value",
        "other_key: a value that may",
        "continue over several lines",
        "</tool_use:TOOL_NAME>",
        "",
        "Start each argument on its own line as `key: value`. A value runs until the next",
        "argument line or the closing tag, so long text such as a message body can span",
        "lines. Separate several recipients with commas. You may write several blocks in",
        "one reply. Tool results come back in a later message.",
        "",
        "Available tools:",
    ]
    for tool in tools:
        fn = _function(tool)
        params = fn.get("parameters", {})
        required = set(params.get("required", []))
        description = fn.get("description", "").strip()
        parts.append("")
        parts.append(f"- {fn['name']}" + (f": {description}" if description else ""))
        for key, spec in params.get("properties", {}).items():
            note = "required" if key in required else "optional"
            desc = spec.get("description", "")
            parts.append(f"    {key} ({note}){': ' + desc if desc else ''}")
    return "\n".join(parts)
