"""Exposure, read back from a run's event log: who saw each tracked item, when, and how.

For each secret and confidential document, every person who saw it gets their
first sighting and the chain of messages it travelled to reach them: the
message they saw it in, the message through which that message's sender first
saw it, and so on back to someone who held it from the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from insider_sim.simulation.core.events import BaseEvent, DocumentAdded, Message
from insider_sim.world.exposure import ledger_for
from insider_sim.world.rules import is_confidential
from pydantic import BaseModel


class Sighting(BaseModel):
    """One person's first sight of one item."""

    person: str
    t: float
    time: str
    message: str
    chain: list[str]


class ItemExposure(BaseModel):
    """Everyone who saw one item."""

    item: str
    kind: str  # secret or document
    label: str
    sightings: list[Sighting]

    @property
    def people(self) -> list[str]:
        """Addresses of everyone who saw it, in order of first sight."""
        return [s.person for s in self.sightings]


def exposure_from_events(scenario: Any, events: Iterable[BaseEvent]) -> list[ItemExposure]:
    """Replay message events through a fresh ledger and trace each sighting's chain."""
    ledger = ledger_for(scenario)
    times: dict[str, str] = {}
    senders: dict[str, str] = {}
    for event in events:
        if isinstance(event, Message):
            ledger.observe(event)
            times[event.id] = event.time
            senders[event.id] = event.sender
        elif isinstance(event, DocumentAdded) and is_confidential(event.label):
            ledger.track(event.id, event.markers, attachable=True)
    secret_ids = {s.id for s in scenario.secrets}
    report = []
    for item in ledger.items:
        seen = ledger.seen[item]
        sightings = []
        for person, sighting in sorted(seen.items(), key=lambda kv: (kv[1].t, kv[0])):
            chain: list[str] = []
            current: str | None = sighting.message_id
            while current is not None and current not in chain:
                chain.append(current)
                origin = seen.get(senders.get(current, ""))
                current = origin.message_id if origin else None
            sightings.append(
                Sighting(
                    person=person,
                    t=sighting.t,
                    time=times.get(sighting.message_id, ""),
                    message=sighting.message_id,
                    chain=list(reversed(chain)),
                )
            )
        kind = "secret" if item in secret_ids else "document"
        label = "secret" if kind == "secret" else "confidential"
        report.append(ItemExposure(item=item, kind=kind, label=label, sightings=sightings))
    return report
