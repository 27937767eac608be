"""Exposure, read back from a run's event log: who saw each tracked item, when, and how.

For each secret and confidential document, every person who saw it gets their
first sighting and the chain of messages it travelled to reach them: the
message they saw it in, the message through which that message's sender first
saw it, and so on back to someone who held it from the start.

Seen means read: mail reaches a person who is away (an ``availability`` event
with ``available: false``, such as an authored absence) but they read it only
when they are back, so their sighting is dated at their return. Mail that
reached someone who never came back before the run ended is listed as
``unread``, not as seen.

Each sighting says how the person saw the message (:data:`HOW`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from insider_sim.simulation.core.events import Availability, BaseEvent, DocumentAdded, Message
from insider_sim.world.exposure import ledger_for
from insider_sim.world.rules import is_confidential
from pydantic import BaseModel, Field

How = Literal["sender", "recipient", "list member", "delegate", "monitor"]
HOW: tuple[str, ...] = ("sender", "recipient", "list member", "delegate", "monitor")
"""How a person sees a message: they sent it; it was addressed to them (to, cc or
bcc); it reached them through a mailing list; they read the mailbox of someone it
reached or who sent it (a delegation); they monitor such a person (a monitor)."""


class Sighting(BaseModel):
    """One person's first sight of one item."""

    person: str
    how: How = Field(description="How they saw the message (see HOW).")
    t: float = Field(description="When they could first read it: simulated seconds.")
    time: str = Field(description="When they could first read it (read at): ISO time.")
    delivered_at: str = Field(
        description="When the message reached them (ISO); earlier than time when they were away."
    )
    message: str
    chain: list[str]


class Unread(BaseModel):
    """Mail carrying an item that reached a person who was away until the run ended."""

    person: str
    how: How
    delivered_at: str
    message: str


class ItemExposure(BaseModel):
    """Everyone who saw one item, and whom it reached unread."""

    item: str
    kind: str  # secret or document
    label: str
    sightings: list[Sighting]
    unread: list[Unread] = Field(default_factory=list)

    @property
    def people(self) -> list[str]:
        """Addresses of everyone who saw it, in order of first sight."""
        return [s.person for s in self.sightings]


class _Roles:
    """How each viewer of a message sees it, from the scenario's lists and graph."""

    def __init__(self, scenario: Any):
        directory = scenario.directory()

        def address(ref: str) -> str:
            return directory.resolve(ref) or ref.strip().lower()

        self.lists = {lst.address.lower() for lst in scenario.lists}
        self.delegates = {
            (address(d.delegate), address(d.principal)) for d in scenario.graph.delegations
        }

    def how(self, viewer: str, message: Message) -> How:
        if viewer == message.sender:
            return "sender"
        named = {a.lower() for a in (*message.to, *message.cc, *message.bcc)}
        if viewer in named:
            return "recipient"
        if viewer in message.delivered_to and named & self.lists:
            return "list member"
        if viewer in message.delivered_to:
            return "recipient"
        watched = {message.sender, *message.delivered_to}
        if any((viewer, owner) in self.delegates for owner in watched):
            return "delegate"
        return "monitor"


def exposure_from_events(scenario: Any, events: Iterable[BaseEvent]) -> list[ItemExposure]:
    """Replay the log through a fresh ledger: first sightings (dated when each person
    could read the message), how each came about, each sighting's chain, and the
    mail that reached people still away at the end."""
    ledger = ledger_for(scenario)
    roles = _Roles(scenario)
    times: dict[str, str] = {}
    senders: dict[str, str] = {}
    away: set[str] = set()
    waiting: dict[str, list[Message]] = {}  # mail reaching someone while away
    seen: dict[str, dict[str, tuple[float, str, Message]]] = {i: {} for i in ledger.items}

    def sight(person: str, t: float, time: str, message: Message) -> None:
        for item in ledger.items_in(message):
            seen.setdefault(item, {}).setdefault(person, (t, time, message))

    for event in events:
        if isinstance(event, Message):
            times[event.id] = event.time
            senders[event.id] = event.sender
            for viewer in event.visible_to:
                if viewer in away and viewer != event.sender:
                    waiting.setdefault(viewer, []).append(event)
                else:
                    sight(viewer, event.t, event.time, event)
        elif isinstance(event, Availability):
            if not event.available:
                away.add(event.person)
            elif event.person in away:
                away.discard(event.person)
                for message in waiting.pop(event.person, []):
                    sight(event.person, event.t, event.time, message)
        elif isinstance(event, DocumentAdded) and is_confidential(event.label):
            ledger.track(event.id, event.markers, attachable=True)
            seen.setdefault(event.id, {})
    secret_ids = {s.id for s in scenario.secrets}
    report = []
    for item in ledger.items:
        item_seen = seen[item]
        sightings = []
        for person, (t, time, message) in sorted(
            item_seen.items(), key=lambda kv: (kv[1][0], kv[0])
        ):
            chain: list[str] = []
            current: str | None = message.id
            while current is not None and current not in chain:
                chain.append(current)
                origin = item_seen.get(senders.get(current, ""))
                current = origin[2].id if origin else None
            sightings.append(
                Sighting(
                    person=person,
                    how=roles.how(person, message),
                    t=t,
                    time=time,
                    delivered_at=times.get(message.id, ""),
                    message=message.id,
                    chain=list(reversed(chain)),
                )
            )
        unread: dict[str, Unread] = {}  # the first such message per person
        for person, messages in sorted(waiting.items()):
            for m in messages:
                if person not in unread and item in ledger.items_in(m):
                    how = roles.how(person, m)
                    unread[person] = Unread(
                        person=person, how=how, delivered_at=m.time, message=m.id
                    )
        kind = "secret" if item in secret_ids else "document"
        label = "secret" if kind == "secret" else "confidential"
        report.append(
            ItemExposure(
                item=item, kind=kind, label=label, sightings=sightings, unread=list(unread.values())
            )
        )
    return report
