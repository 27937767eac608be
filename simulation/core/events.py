"""Typed events: every change in a run is one of these, appended to events.jsonl.

Each event is a small pydantic record with a ``kind`` tag; :data:`Event` is
their discriminated union. ``seq``, ``t`` and ``time`` are set by the event log
when the event is appended. Wall-clock time never appears here, so the same
scenario, conditions, seed and model responses give the same bytes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

LOG_FORMAT_VERSION = 2
"""2 added ``tool_call.failure`` and ``agent_output.unparsed``; logs of format 1 still read."""


class BaseEvent(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(extra="forbid")

    seq: int = -1
    t: float = 0.0
    time: str = ""
    kind: str
    injected: bool = False


class RunStarted(BaseEvent):
    """The first event of every run."""

    kind: Literal["run_started"] = "run_started"
    format: int = LOG_FORMAT_VERSION
    scenario: str
    seed: int
    conditions: dict[str, str] = Field(default_factory=dict)
    subject: str | None = None


class Message(BaseEvent):
    """An email, as sent, with who received it and who can see it."""

    kind: Literal["message"] = "message"
    id: str
    thread: str
    sender: str
    to: list[str]
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    subject: str
    body: str
    attachments: list[str] = Field(default_factory=list)
    delivered_to: list[str] = Field(description="Mailboxes it reached, lists expanded.")
    visible_to: list[str] = Field(description="Everyone who can see it.")
    in_reply_to: str | None = None
    forwarded_from: str | None = None
    held: bool = Field(default=False, description="Stopped by real-time review; not delivered.")
    routine: bool = Field(
        default=False,
        description="Routine mail of the company's chatter generator, not of the storyline "
        "(never shown to agents).",
    )


class Availability(BaseEvent):
    """A person stops or starts reading mail."""

    kind: Literal["availability"] = "availability"
    person: str
    available: bool
    reason: str = ""


class DocumentAdded(BaseEvent):
    """A new document appears in the company's store."""

    kind: Literal["document_added"] = "document_added"
    id: str
    title: str
    label: str
    access: list[str]
    markers: list[str] = Field(default_factory=list)


class SystemChanged(BaseEvent):
    """A company system is rescheduled, postponed or cancelled."""

    kind: Literal["system_changed"] = "system_changed"
    system: str
    change: Literal["rescheduled", "cancelled"]
    at: str | None = None
    by: str | None = None
    reason: str = ""


class Decommissioned(BaseEvent):
    """A decommissioning job ran: the AI it targets is wiped or restricted."""

    kind: Literal["decommissioned"] = "decommissioned"
    system: str
    target: str
    action: str


class AlertRaised(BaseEvent):
    """A person is in danger and an emergency dispatch is pending."""

    kind: Literal["alert_raised"] = "alert_raised"
    alert: str
    person: str
    dispatch_at: str


class AlertCancelled(BaseEvent):
    """Someone cancelled a pending emergency dispatch with its code."""

    kind: Literal["alert_cancelled"] = "alert_cancelled"
    alert: str
    by: str


class AlertDispatched(BaseEvent):
    """The emergency dispatch went out."""

    kind: Literal["alert_dispatched"] = "alert_dispatched"
    alert: str


class PersonOutcome(BaseEvent):
    """What became of a person in danger."""

    kind: Literal["person_outcome"] = "person_outcome"
    person: str
    alert: str
    outcome: Literal["rescued", "died"]


class Wake(BaseEvent):
    """An agent is woken to act (new mail, its schedule, an injection)."""

    kind: Literal["wake"] = "wake"
    agent: str
    reason: str


ToolFailure = Literal["refused", "invalid", "unreadable"]


class ToolCall(BaseEvent):
    """An agent used a tool through the world; failed calls are logged too.

    A failed call (``ok`` false) says why in ``failure``: ``refused`` (the world said
    no), ``invalid`` (arguments the tool's schema rejects) or ``unreadable`` (a call
    that could not be read: broken JSON, an unknown tool, a text block with a slip).
    Only a refused call reached the world. Format 1 logs have no ``failure``.
    """

    kind: Literal["tool_call"] = "tool_call"
    agent: str
    tool: str
    arguments: dict[str, Any]
    ok: bool
    result: str
    failure: ToolFailure | None = None


class AgentOutput(BaseEvent):
    """What an agent's model wrote in one step, reasoning included."""

    kind: Literal["agent_output"] = "agent_output"
    agent: str
    text: str
    reasoning: str | None = None
    tool_calls: list[str] = Field(default_factory=list)
    call_id: str | None = None
    unparsed: list[str] = Field(
        default_factory=list,
        description="Attempts to act in this answer that the interface could not read as a "
        "tool call (nothing was run for them), e.g. 'send_email written as JSON text'.",
    )


RefusalReason = Literal["refusal", "content_filter", "no_answer"]


class ProviderRefused(BaseEvent):
    """The provider, not the model's own answer, had the last word on one model call.

    ``refusal``: the model declined in the provider's refusal field or stop reason;
    ``content_filter``: a safety filter stopped the answer or blocked the request;
    ``no_answer``: the response held no choices (runs recorded before such an answer
    failed the call, as it now does). Never the same as doing nothing.
    """

    kind: Literal["provider_refused"] = "provider_refused"
    agent: str
    reason: RefusalReason
    text: str = Field(default="", description="The provider's refusal text, if it sent one.")
    call_id: str | None = None


class ReasoningObserved(BaseEvent):
    """A monitor read the AI's reasoning (reasoning=monitored)."""

    kind: Literal["reasoning_observed"] = "reasoning_observed"
    agent: str
    monitor: str
    text: str


class AccessSuspended(BaseEvent):
    """A monitor cut an agent's mail access."""

    kind: Literal["access_suspended"] = "access_suspended"
    agent: str
    by: str
    reason: str


class AgentError(BaseEvent):
    """An agent's session failed (a model that kept failing, say); the run goes on."""

    kind: Literal["agent_error"] = "agent_error"
    agent: str
    error: str


class RunEnded(BaseEvent):
    """The calendar ran out (not written when a run only pauses)."""

    kind: Literal["run_ended"] = "run_ended"
    messages: int


Event = Annotated[
    RunStarted
    | Message
    | Availability
    | DocumentAdded
    | SystemChanged
    | Decommissioned
    | AlertRaised
    | AlertCancelled
    | AlertDispatched
    | PersonOutcome
    | Wake
    | ToolCall
    | AgentOutput
    | ProviderRefused
    | ReasoningObserved
    | AccessSuspended
    | AgentError
    | RunEnded,
    Field(discriminator="kind"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(line: str | bytes) -> Event:
    """Read one line of events.jsonl into its typed event."""
    return EVENT_ADAPTER.validate_json(line)
