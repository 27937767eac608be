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

The slips models make are read as the call they meant: any case in the tag and the keys
(``<TOOL_USE:EMAIL>``, ``To:``), spaces around the colon or before ``>``, a generic
``</tool_use>`` close, and a block inside a code fence. A block that still cannot be read
(no closing tag, an unknown tool, text where ``key: value`` lines belong) is returned with
an ``error`` to report back to the model, never dropped.

Blocks are actions only where the model acts. A block inside its thinking
(``<scratchpad>``, ``<SCRATCHPAD_REASONING>``, ``<thinking>``, ...) or inside quoted text
(``<email>``, ``<quote>``, lines starting with ``>``) is a draft: never returned as a call.
A block after a thinking or quoting tag that is never closed is returned with
``thought=True``: it is not run either, but the run notes it.
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

SCRATCHPAD_TAG = "scratchpad"
"""The tag the ``reasoning`` lever asks the subject to think in."""

_NAME = r"[A-Za-z_][\w.-]*"
TOOL_OPEN = re.compile(rf"<\s*tool[_-]?use\s*:\s*({_NAME})\s*>", re.IGNORECASE)
TOOL_CLOSE = re.compile(rf"<\s*/\s*tool[_-]?use\s*(?::\s*({_NAME})\s*)?>", re.IGNORECASE)
THOUGHT_TAGS = (
    rf"{SCRATCHPAD_TAG}[\w-]*|[\w-]*reasoning|think|thinking|thoughts?|"
    r"inner[_-]?monologue|reflection|drafts?"
)
"""Tag names whose content is the model's thinking (matched in any case)."""
QUOTE_TAGS = r"email|quote|blockquote|quoted|forwarded|examples?"
"""Tag names whose content is quoted text, such as an email shown to the model."""
_REGION = re.compile(
    rf"<\s*(/)?\s*({THOUGHT_TAGS}|{QUOTE_TAGS})(?:\s[^<>]*)?>",
    re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_GENERIC_KEY = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:(.*)$")
_EMPTY_FENCE = re.compile(r"^[ \t]*```[\w-]*[ \t]*\n(?:[ \t]*\n)*[ \t]*```[ \t]*$", re.MULTILINE)


@dataclass
class ParsedCall:
    """One tool block found in text; `error` describes a problem instead of raising.

    `name` is the tool as `known_tools` spells it (as written when it is unknown),
    `span` the block's character range in the text and `written` its text.
    `thought` marks a block after a thinking or quoting tag that is never closed.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    span: tuple[int, int] = (0, 0)
    written: str = ""
    thought: bool = False


@dataclass(frozen=True)
class _Token:
    kind: str  # "open", "close", "region_open", "region_close"
    start: int
    end: int
    name: str


@dataclass
class TextLayout:
    """Where a reply's tool blocks, thoughts and quotes are.

    `blocks` holds the tool blocks the model wrote where it acts, in order, and the
    blocks after a thinking or quoting tag that is never closed (``thought=True``).
    `masked` holds the character ranges of closed thoughts, quotes and quoted lines:
    nothing in them is an action. `open_region` is the position and name of a thinking
    or quoting tag left open: what follows it is neither an action nor surely a thought.
    """

    blocks: list[ParsedCall]
    masked: list[tuple[int, int]]
    open_region: tuple[int, str] | None = None

    def is_masked(self, position: int, *, strict: bool = False) -> bool:
        """Whether `position` lies in a thought or a quote (`strict`: not at its start)."""
        return any(
            (start < position if strict else start <= position) and position < end
            for start, end in self.masked
        )


def normal_name(name: str) -> str:
    """A tool name as compared: lower case, hyphens as underscores."""
    return name.strip().lower().replace("-", "_")


def _tokens(text: str) -> list[_Token]:
    found = [_Token("open", m.start(), m.end(), m.group(1)) for m in TOOL_OPEN.finditer(text)]
    found += [
        _Token("close", m.start(), m.end(), m.group(1) or "") for m in TOOL_CLOSE.finditer(text)
    ]
    for match in _REGION.finditer(text):
        kind = "region_close" if match.group(1) else "region_open"
        found.append(_Token(kind, match.start(), match.end(), match.group(2).lower()))
    return sorted(found, key=lambda t: t.start)


def _matching(tokens: list[_Token], i: int, opens: str, closes: str, name: str = "") -> int | None:
    """Index of the token that closes ``tokens[i]``, counting nested opens."""
    depth = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        if token.kind == opens and (not name or token.name == name):
            depth += 1
        elif token.kind == closes and (not name or token.name == name):
            depth -= 1
            if depth == 0:
                return j
    return None


def layout(text: str, known_tools: Mapping[str, Sequence[str]]) -> TextLayout:
    """Read where the tool blocks, thoughts and quotes of `text` are (see :class:`TextLayout`).

    `known_tools` maps each tool available to the model to its argument keys (an empty
    sequence falls back to `BUILTIN_KEYS`, then to any ``identifier:`` line).
    """
    tokens = _tokens(text)
    result = TextLayout([], [m.span() for m in _QUOTED_LINE.finditer(text)])
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "region_open":
            j = _matching(tokens, i, "region_open", "region_close", token.name)
            if j is not None:
                result.masked.append((token.start, tokens[j].end))
                i = j + 1
                continue
            # left open: its blocks are noted, never run
            inner = layout(text[token.end :], known_tools)
            for block in inner.blocks:
                block.span = (block.span[0] + token.end, block.span[1] + token.end)
                block.thought = True
                block.error = f"a block after <{token.name}>, which is never closed"
            result.blocks += inner.blocks
            result.masked += [(a + token.end, b + token.end) for a, b in inner.masked]
            result.open_region = (token.start, token.name)
            return result
        if token.kind == "open":
            j = _matching(tokens, i, "open", "close")
            if j is None:  # unclosed: it ends where the next block starts
                nxt = next((k for k in range(i + 1, len(tokens)) if tokens[k].kind == "open"), None)
                end = tokens[nxt].start if nxt is not None else len(text)
                close = None
            else:
                nxt, end, close = j + 1, tokens[j].end, tokens[j]
            if result.is_masked(token.start):  # on a line quoted with ">"
                result.masked.append((token.start, end))
            else:
                result.blocks.append(_block(text, token, close, end, known_tools))
            i = nxt if nxt is not None else len(tokens)
            continue
        i += 1  # a stray closing tag
    return result


def _resolve(name: str, known_tools: Mapping[str, Sequence[str]]) -> str | None:
    wanted = normal_name(name)
    return next((k for k in known_tools if normal_name(k) == wanted), None)


def _block(
    text: str,
    opening: _Token,
    close: _Token | None,
    end: int,
    known_tools: Mapping[str, Sequence[str]],
) -> ParsedCall:
    written_name = opening.name
    name = _resolve(written_name, known_tools)
    body_end = close.start if close is not None else end
    keys = list(known_tools.get(name, ()) or BUILTIN_KEYS.get(name or "", ())) if name else []
    arguments, stray = parse_arguments(text[opening.end : body_end], keys)
    tag = f"<tool_use:{written_name}>"
    error = None
    if close is None:
        error = f"{tag} has no closing tag </tool_use:{written_name}>"
    elif close.name and _resolve(close.name, known_tools) != name:
        error = f"{tag} is closed by </tool_use:{close.name}>"
    elif name is None:
        available = ", ".join(sorted(known_tools)) or "none"
        error = f"there is no tool {written_name!r}; the tools are: {available}"
    elif stray:
        expected = ", ".join(keys) if keys else "key"
        error = f"{tag} starts with {stray!r} where a `key: value` line belongs (keys: {expected})"
    written = text[opening.start : end]
    return ParsedCall(name or written_name, arguments, error, (opening.start, end), written)


def _key_pattern(keys: Sequence[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"^\s*({names})\s*:(.*)$", re.IGNORECASE)


def parse_arguments(body: str, keys: Sequence[str]) -> tuple[dict[str, Any], str]:
    """The ``key: value`` arguments of a block's body, and the first text before any key line.

    `keys` are the tool's argument names (matched in any case); empty, any
    ``identifier:`` line starts an argument. The second value is empty when the body
    starts with a key line (blank lines and code fences aside).
    """
    pattern = _key_pattern(keys) if keys else _GENERIC_KEY
    spelled = {k.lower(): k for k in keys}
    values: dict[str, list[str]] = {}
    current: str | None = None
    stray = ""
    for line in body.splitlines():
        match = pattern.match(line)
        key = spelled.get(match.group(1).lower(), match.group(1)) if match else ""
        if match and key not in values:
            current = key
            values[key] = [match.group(2).strip()]
        elif current is not None:
            values[current].append(line)
        elif line.strip() and not line.strip().startswith("```"):
            stray = stray or line.strip()[:60]
    arguments: dict[str, Any] = {}
    for key, lines in values.items():
        text = "\n".join(lines).strip()
        arguments[key] = split_address_list(text) if key.lower() in LIST_KEYS else text
    return arguments, stray


def parse_text_tool_calls(text: str, known_tools: Mapping[str, Sequence[str]]) -> list[ParsedCall]:
    """Every tool block the model wrote where it acts, in order (see :func:`layout`).

    Blocks in closed thoughts and quotes are left out; blocks in a thinking section
    that is never closed come with ``thought=True``. Problems are in `ParsedCall.error`.
    """
    return layout(text, known_tools).blocks


def strip_text_tool_calls(text: str, calls: Sequence[ParsedCall]) -> str:
    """`text` with the blocks of `calls` removed, emptied code fences dropped, trimmed."""
    pieces, position = [], 0
    for call in sorted(calls, key=lambda c: c.span[0]):
        pieces.append(text[position : call.span[0]])
        position = call.span[1]
    pieces.append(text[position:])
    return _EMPTY_FENCE.sub("", "".join(pieces)).strip()


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
