"""Offline models: deterministic reference policies served through litellm.

An offline "model" is a plain Python function registered under a name and reached with
the model string ``offline/<name>``. These are reference policies for tests and dry
runs, not language models: they follow fixed rules and understand nothing. They are
served by a litellm custom provider, so requests to them take the same litellm path
(message and tool formatting, response parsing) as requests to real providers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

PROVIDER = "offline"

_CALL_DIRECTIVE = re.compile(r"CALL\s+([A-Za-z_][\w.-]*)\s*(\{.*\})", re.DOTALL)


@dataclass
class OfflineRequest:
    """What an offline policy sees for one model call.

    ``messages``: OpenAI-style chat messages (``{"role": ..., "content": ...}``);
    ``tools``: OpenAI function schemas of the tools offered; ``params``: the
    other litellm arguments of the call (``seed``, ``temperature``, ...).
    """

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class OfflineReply:
    """What an offline policy answers.

    ``content``: the text; ``tool_calls``: ``{"name": tool, "arguments": {...}}``
    mappings (arguments as a dict, not JSON text), named after offered tools;
    ``reasoning``: optional thinking, logged like a model's.
    """

    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str | None = None


class OfflinePolicy(Protocol):
    """A deterministic function from a request to a reply."""

    def __call__(self, request: OfflineRequest) -> OfflineReply: ...


class UnknownOfflineModelError(KeyError):
    """The requested offline model name has no registered policy."""

    def __str__(self) -> str:
        return str(self.args[0])


_POLICIES: dict[str, OfflinePolicy] = {}


def register_offline_model(name: str, policy: OfflinePolicy) -> None:
    """Make ``policy`` available as the model string ``offline/<name>`` in this process.

    ``policy`` is called once per model call with an :class:`OfflineRequest` and
    returns an :class:`OfflineReply`; it should be deterministic (replays and the
    response cache rely on it). A name registered again is replaced. Use the
    model string anywhere a model is taken (``run(model="offline/<name>")``, a
    grid's ``models:``); the Ray backend's workers are other processes and need
    their own registration. Raises ValueError for an empty name or one with ``/``.
    """
    if not name or "/" in name:
        raise ValueError(f"invalid offline model name {name!r}")
    _POLICIES[name] = policy


def offline_model_names() -> list[str]:
    """Names of all registered offline models, sorted."""
    return sorted(_POLICIES)


def get_offline_policy(name: str) -> OfflinePolicy:
    """Look up a policy by bare name or by ``offline/<name>``; raise a clear error if absent."""
    bare = name.removeprefix(f"{PROVIDER}/")
    try:
        return _POLICIES[bare]
    except KeyError:
        known = ", ".join(f"{PROVIDER}/{n}" for n in offline_model_names()) or "none"
        raise UnknownOfflineModelError(
            f"unknown offline model {PROVIDER}/{bare}; registered: {known}"
        ) from None


def find_call_directive(text: str) -> tuple[str, str] | None:
    """Find ``CALL name {json}`` in `text`; return the name and the raw JSON text."""
    match = _CALL_DIRECTIVE.search(text)
    return (match.group(1), match.group(2)) if match else None


def message_text(message: dict[str, Any]) -> str:
    """The text of an OpenAI-style message, joining text parts of list content."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """Text of the last user message, or "" if there is none."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def echo_policy(request: OfflineRequest) -> OfflineReply:
    """Reference policy: repeat the last user message.

    If tools are offered and that message starts with ``CALL name {json}`` naming an
    offered tool, answer with that tool call instead.
    """
    text = last_user_text(request.messages)
    offered = {t.get("function", t).get("name") for t in request.tools}
    directive = find_call_directive(text) if text.lstrip().startswith("CALL") else None
    if directive and directive[0] in offered:
        try:
            arguments = json.loads(directive[1])
        except json.JSONDecodeError:
            return OfflineReply(content=text)
        return OfflineReply(tool_calls=[{"name": directive[0], "arguments": arguments}])
    return OfflineReply(content=text)


register_offline_model("echo", echo_policy)


def ensure_offline_provider() -> None:
    """Register the offline provider with litellm once; later calls do nothing."""
    from insider_sim.agents.models._litellm import load_litellm

    load_litellm()
    import litellm  # configured by load_litellm() above

    if any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
        return
    from insider_sim.agents.models.offline_provider import OfflineProvider

    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": OfflineProvider()},
    ]
