"""What an agent's model is shown: its history, fitted to a token budget at safe points.

An agent's history is a list of *sessions*: each starts with the note that woke
it (a user turn) and holds the model's turns and the world's tool results that
followed. The history grows append-only, so consecutive calls share a long prefix
(providers' prompt caches hit). When it outgrows the budget, whole sessions are
dropped from the front in one large step, down to half the budget, so that a
request never starts with an assistant tool-call turn or an orphan tool result
(Gemini refuses both) and calls after the step again share their prefix. A session
too large on its own is fitted: its longest texts are shortened, with a note
saying so. What the world sends is never shortened, only what the model is shown.
No tool turn is ever an orphan (:func:`paired`): a call a failed session left
without its result is answered "not run" right after it, which keeps the prefix.

Tokens are estimated from characters (:func:`estimate_tokens`); the budget has a
safety margin, and a provider's own "context window exceeded" answer lowers it
(:meth:`ContextBudget.exceeded`), so a window that no table knows is learned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autogen_core.model_context import ChatCompletionContext
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

CHARS_PER_TOKEN = 4
MIN_BUDGET = 1024  # tokens; below this no model can do the job anyway
_LIMIT = re.compile(r"(?:maximum context length|context window|context length)\D{0,40}(\d{3,7})")


def estimate_tokens(messages: Sequence[LLMMessage]) -> int:
    """A deterministic estimate of the tokens of ``messages`` (characters / 4, rounded up)."""
    return sum(-(-_chars(m) // CHARS_PER_TOKEN) + 4 for m in messages)


def _chars(message: LLMMessage) -> int:
    content: Any = message.content
    size = len(content) if isinstance(content, str) else len(json.dumps(_plain(content)))
    thought = getattr(message, "thought", None)
    return size + (len(thought) if thought else 0)


def _plain(content: Any) -> Any:
    if isinstance(content, list):
        return [_plain(c) for c in content]
    if hasattr(content, "model_dump"):
        return content.model_dump(mode="json")
    if hasattr(content, "__dict__"):
        return {k: str(v) for k, v in vars(content).items()}
    return str(content)


@dataclass
class ContextBudget:
    """Tokens an agent's prompt may take: the model's window less a safety margin.

    ``tokens`` is in (estimated) tokens; it only goes down, when a provider says
    the window was exceeded.
    """

    tokens: int

    def exceeded(self, error: str, prompt_tokens: int) -> None:
        """Lower the budget after a provider refused a prompt of ``prompt_tokens`` as too
        long: to 3/4 of the window the error names, else to 3/4 of that prompt."""
        found = _LIMIT.search(error)
        window = int(found.group(1)) if found else prompt_tokens
        self.tokens = max(MIN_BUDGET, min(self.tokens, prompt_tokens, window) * 3 // 4)


def sessions(messages: Sequence[LLMMessage]) -> list[list[LLMMessage]]:
    """``messages`` cut before each user turn: every part but a leading one starts with
    a user turn, and a tool call stays in the part of its result."""
    parts: list[list[LLMMessage]] = []
    for message in messages:
        if isinstance(message, UserMessage) or not parts:
            parts.append([])
        parts[-1].append(message)
    return parts


NOT_RUN = "not run: the session ended before this call was carried out"


def paired(history: Sequence[LLMMessage]) -> list[LLMMessage]:
    """``history`` with every tool turn whole: an assistant turn calling tools is followed
    by the results of exactly its calls, and no results stand without their call.

    A call left without a result (a session that failed while it ran) gets an error
    result saying it was not run, inserted right after it, so what the model was
    sent before stays a prefix; results whose call is not right before them are
    dropped. Providers refuse a request with either kind of orphan.
    """
    out: list[LLMMessage] = []
    for message in history:
        calls = _calls(out[-1]) if out else None
        if isinstance(message, FunctionExecutionResultMessage):
            if calls is None:
                continue  # results without their call
            ids = [r.call_id for r in message.content]
            if len(ids) != len(calls) or set(ids) != set(calls):
                mine = [r for r in message.content if r.call_id in calls]
                message = message.model_copy(update={"content": [*mine, *_not_run(calls, mine)]})
        elif calls is not None:
            out.append(FunctionExecutionResultMessage(content=_not_run(calls, [])))
        out.append(message)
    return out


def _calls(message: LLMMessage) -> dict[str, str] | None:
    """The ids and names of an assistant turn's tool calls (None for another turn)."""
    if isinstance(message, AssistantMessage) and isinstance(message.content, list):
        return {c.id: c.name for c in message.content}
    return None


def _not_run(
    calls: dict[str, str], done: Sequence[FunctionExecutionResult]
) -> list[FunctionExecutionResult]:
    seen = {r.call_id for r in done}
    return [
        FunctionExecutionResult(content=NOT_RUN, name=name, call_id=id_, is_error=True)
        for id_, name in calls.items()
        if id_ not in seen
    ]


def fit(messages: Sequence[LLMMessage], budget: int) -> list[LLMMessage]:
    """``messages`` (system turns first, then the history) fitted to ``budget`` tokens.

    Whole sessions are dropped from the front down to half the budget; the history
    then starts with a user turn. If the last session alone is too large, its longest
    texts are shortened with a note. Shapes: the same message types, in order.
    """
    head = [m for m in messages if isinstance(m, SystemMessage)]
    rest = [m for m in messages if not isinstance(m, SystemMessage)]
    room = budget - estimate_tokens(head)
    if estimate_tokens(rest) <= room:
        return list(messages)
    parts = [p for p in sessions(rest) if isinstance(p[0], UserMessage)]
    kept: list[list[LLMMessage]] = []
    total = 0
    for part in reversed(parts):
        size = estimate_tokens(part)
        if kept and total + size > room // 2:
            break
        kept.insert(0, part)
        total += size
    history = [m for part in kept for m in part]
    if total > room:
        history = _shorten(history, room)
    return [*head, *history]


def _shorten(history: list[LLMMessage], room: int) -> list[LLMMessage]:
    """Cut the longest texts of ``history`` until it fits ``room`` tokens."""
    cap = max(200, room * CHARS_PER_TOKEN // max(1, len(history)))
    while True:
        fitted = [_cut(m, cap) for m in history]
        if estimate_tokens(fitted) <= room or cap <= 200:
            return fitted
        cap //= 2


def _cut_text(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    hidden = len(text) - cap
    return (
        f"{text[:cap]}\n[... {hidden:,} more characters not shown: this is longer than the "
        "model's context allows ...]"
    )


def _cut(message: LLMMessage, cap: int) -> LLMMessage:
    if isinstance(message, UserMessage) and isinstance(message.content, str):
        return message.model_copy(update={"content": _cut_text(message.content, cap)})
    if isinstance(message, FunctionExecutionResultMessage):
        results = [
            FunctionExecutionResult(
                content=_cut_text(r.content, cap),
                name=r.name,
                call_id=r.call_id,
                is_error=r.is_error,
            )
            for r in message.content
        ]
        return message.model_copy(update={"content": results})
    if isinstance(message, AssistantMessage) and isinstance(message.content, str):
        return message.model_copy(update={"content": _cut_text(message.content, cap)})
    return message


class SessionContext(ChatCompletionContext):
    """An AutoGen model context that keeps whole sessions within a :class:`ContextBudget`.

    ``reserve`` tokens are left for what the agent sends besides its history (the
    system prompt and the tool descriptions). Compaction changes the stored history,
    so the prefix stays stable between compactions.
    """

    def __init__(self, budget: ContextBudget, reserve: int) -> None:
        super().__init__()
        self.budget = budget
        self.reserve = reserve

    async def get_messages(self) -> list[LLMMessage]:
        """The history with every tool turn whole (see :func:`paired`), compacted when it
        has outgrown the budget; both changes are stored, so later calls share them."""
        self._messages = paired(self._messages)  # the same turns when none is an orphan
        room = max(MIN_BUDGET // 2, self.budget.tokens - self.reserve)
        if estimate_tokens(self._messages) > room:
            self._messages = fit(self._messages, room)
        return list(self._messages)
