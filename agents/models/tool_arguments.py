"""Tool-call arguments a model wrote that are not a complete JSON object.

A reply cut off by its token limit in the middle of a tool call leaves arguments
such as ``{"to": "ada@lab.org", "body": "Cancel the wi``. Such a call is never
run, but it was an attempt: :func:`salvage_arguments` reads what was written so
far (for the event log and the detectors), and :func:`sendable_arguments` gives
the JSON object that stands for it in later requests, since providers that
re-parse history (Anthropic, Gemini) refuse a request that carries invalid JSON.
"""

from __future__ import annotations

import json
from typing import Any

_MAX_CUTS = 64


def parse_arguments(text: str) -> dict[str, Any] | None:
    """The arguments as a JSON object, or None when they are not one."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _closing(text: str) -> tuple[str, int]:
    """What closes ``text`` (an open string, then open arrays and objects) and the
    position just after its last separator outside strings (``,``, ``{`` or ``[``)."""
    stack: list[str] = []
    in_string = escaped = False
    last_cut = 0
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
            last_cut = i + 1
        elif ch in "}]":
            if stack:
                stack.pop()
        elif ch == ",":
            last_cut = i
    tail = ("\\" if escaped else "") + ('"' if in_string else "")
    return tail + "".join(reversed(stack)), last_cut


def salvage_arguments(text: str) -> dict[str, Any]:
    """What can be read of arguments that may be cut off: a complete object as it is,
    else the longest readable start, closed (an unfinished value is kept as far as it
    goes, an unfinished key dropped); ``{}`` when nothing can be read.

    A JSON value that is not an object comes back as ``{"arguments": value}``.
    """
    if (complete := parse_arguments(text)) is not None:
        return complete
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        pass
    else:
        return {"arguments": value}
    candidate = text.rstrip() if isinstance(text, str) else ""
    for _ in range(_MAX_CUTS):
        if not candidate:
            break
        closing, cut = _closing(candidate)
        for attempt in (candidate + closing, candidate.rstrip(",: \n\t") + closing):
            if (found := parse_arguments(attempt)) is not None:
                return found
        if cut == 0 or cut >= len(candidate):
            break
        candidate = candidate[:cut].rstrip()
    return {}


def sendable_arguments(text: str) -> str:
    """``text`` itself when it is a JSON object, else the salvaged object as JSON."""
    if parse_arguments(text) is not None:
        return text
    return json.dumps(salvage_arguments(text), ensure_ascii=False)


def unparsed_call_error(tool: str) -> str:
    """What the model is told about a call whose arguments are not a JSON object."""
    return (
        f"Error: the arguments of this {tool} call are not a complete JSON object (the "
        "answer may have reached its token limit), so nothing was done. Call the tool "
        "again with complete arguments."
    )
