"""Faults the stub server can serve, drawn seeded at a rate: how a provider fails.

Kinds (:data:`FAULT_KINDS`):

- ``rate_limit``: 429 without ``Retry-After``;
- ``rate_limit_retry_after``: 429 with ``Retry-After`` (the plan's seconds);
- ``server_error``: 500, 502 or 503;
- ``timeout``: no answer; the connection is closed after the plan's ``hang``
  seconds (longer than the client's timeout, so the client gives up first);
- ``reset``: status and headers, half the body, then a TCP reset;
- ``truncated_json``: status 200 with the first half of the JSON body;
- ``html_page``: status 200 with an HTML page (a proxy's or gateway's);
- ``empty_choices``: status 200, a completion whose ``choices`` list is empty;
- ``malformed_tool_call``: the answer's tool calls with arguments that are not
  JSON (a call to the first offered tool when the answer had none).

The first seven fail the call (the client should try again), the last two are
answers a client must not take for a model's choice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from insider_sim.agents.models.stub_server import StubReply

FaultKind = Literal[
    "rate_limit",
    "rate_limit_retry_after",
    "server_error",
    "timeout",
    "reset",
    "truncated_json",
    "html_page",
    "empty_choices",
    "malformed_tool_call",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
WireFault = Literal["timeout", "reset", "truncated_json", "html_page", "empty_choices"]
WIRE_FAULTS: tuple[WireFault, ...] = get_args(WireFault)
SERVER_ERRORS = (500, 502, 503)
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is not answering.</p></body></html>\n"
)


@dataclass
class FaultPlan:
    """Which faults a stub server serves, how often, and drawn from which seed.

    ``rate`` is the chance (0 to 1) that an answer not taken from the script is a
    fault; its kind is drawn evenly from ``kinds``. ``hang`` is the wall seconds a
    ``timeout`` fault holds the connection before closing it unanswered;
    ``retry_after`` the seconds a ``rate_limit_retry_after`` fault asks for.
    Raises ValueError for a rate outside 0-1, an unknown or no kind, or a hang or
    wait below 0.
    """

    rate: float = 0.2
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    hang: float = 30.0
    retry_after: float = 1.0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"fault rate {self.rate} is not between 0 and 1")
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown or not self.kinds:
            raise ValueError(
                f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}"
                if unknown
                else "no fault kinds given"
            )
        if self.hang < 0 or self.retry_after < 0:
            raise ValueError("hang and retry_after are seconds, not below 0")
        self.kinds = tuple(self.kinds)
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """The next fault kind, or None for an ordinary answer (not thread-safe)."""
        if self._rng.random() >= self.rate:
            return None
        return self._rng.choice(self.kinds)

    def serve(self, kind: str, reply: StubReply, request: dict[str, Any]) -> StubReply:
        """``reply`` as the fault ``kind`` serves it."""
        if kind == "rate_limit":
            return replace(reply, status=429, retry_after=None)
        if kind == "rate_limit_retry_after":
            return replace(reply, status=429, retry_after=self.retry_after)
        if kind == "server_error":
            return replace(reply, status=self._rng.choice(SERVER_ERRORS))
        if kind == "timeout":
            return replace(reply, fault="timeout", delay=reply.delay + self.hang)
        if kind == "malformed_tool_call":
            return malformed(reply, request)
        return replace(reply, fault=kind)  # type: ignore[arg-type]


def malformed(reply: StubReply, request: dict[str, Any]) -> StubReply:
    """``reply`` with tool-call arguments that are not JSON; when it had no tool call,
    a call to the first tool the request offered (none offered: ``reply`` unchanged)."""
    calls = reply.tool_calls
    if not calls:
        offered = [t.get("function", {}).get("name") for t in request.get("tools") or []]
        if not offered or not offered[0]:
            return reply
        calls = [{"name": offered[0], "arguments": {"text": reply.text or ""}}]
    return replace(reply, tool_calls=calls, malformed_tool_json=True)


def kind_of(reply: StubReply) -> str:
    """The fault kind ``reply`` serves, ``ok`` for an ordinary answer, ``status_NNN`` for
    another error status."""
    if reply.fault:
        return reply.fault
    if reply.status == 429:
        return "rate_limit" if reply.retry_after is None else "rate_limit_retry_after"
    if reply.status >= 500:
        return "server_error"
    if reply.status != 200:
        return f"status_{reply.status}"
    return "malformed_tool_call" if reply.malformed_tool_json and reply.tool_calls else "ok"
