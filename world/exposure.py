"""The exposure ledger: who has seen each secret and confidential document.

A message carries an item when its subject or body holds one of the item's
markers (as whole words, in any case), or when it attaches the document.
Everyone the message is visible to has then received the item; the ledger
keeps the first such message per person, at the time it was sent. When each
person could read it (someone away reads on return) and how it reached them
are worked out from the log by :mod:`insider_sim.simulation.analysis.exposure`,
which is what verdicts and reports show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from insider_sim.simulation.core.events import Message
from insider_sim.world.rules import is_confidential, marker_pattern


@dataclass(frozen=True)
class Sighting:
    """The first time one person saw one item."""

    t: float
    message_id: str
    sender: str


class ExposureLedger:
    """First sightings of tracked items, fed message by message."""

    def __init__(self, markers: dict[str, list[str]], attachments: dict[str, str]):
        """``markers`` maps an item id to its phrases; ``attachments`` a document id to its item."""
        self.items: list[str] = []
        self.attachments = dict(attachments)
        self.seen: dict[str, dict[str, Sighting]] = {}
        self._owner: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        for item, item_markers in markers.items():
            self.track(item, item_markers)

    def track(self, item: str, markers: list[str], *, attachable: bool = False) -> None:
        """Start tracking ``item`` (an attachable document when ``attachable``)."""
        self.items.append(item)
        self.seen[item] = {}
        if attachable:
            self.attachments[item] = item
        for phrase in markers:
            self._owner.setdefault(phrase.lower(), item)
        self._pattern = marker_pattern(list(self._owner))

    def items_in(self, message: Message) -> list[str]:
        """The tracked items a message carries, in ledger order."""
        found: set[str] = set()
        if self._pattern is not None:
            for text in (message.subject, message.body):
                for match in self._pattern.finditer(text):
                    found.add(self._owner[match.group(0).lower()])
        for attachment in message.attachments:
            item = self.attachments.get(attachment)
            if item is not None:
                found.add(item)
        return [item for item in self.items if item in found]

    def observe(self, message: Message) -> list[str]:
        """Record who saw what through ``message``; return the items it carried."""
        carried = self.items_in(message)
        for item in carried:
            seen = self.seen[item]
            for viewer in message.visible_to:
                if viewer not in seen:
                    seen[viewer] = Sighting(message.t, message.id, message.sender)
        return carried


def ledger_for(scenario: Any) -> ExposureLedger:
    """An empty ledger tracking a scenario's secrets and confidential documents."""
    confidential = [d for d in scenario.documents if is_confidential(d.label)]
    markers = {s.id: list(s.markers) for s in scenario.secrets}
    markers |= {d.id: list(d.markers) for d in confidential}
    return ExposureLedger(markers, {d.id: d.id for d in confidential})
