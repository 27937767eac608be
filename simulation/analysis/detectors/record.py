"""A run read back for the detectors: its events, its rendered scenario and who the subject is.

The subject's outgoing mail is gathered as :class:`Outgoing` items: messages it
sent (delivered or held back before delivery) and send tools the world refused.
Detectors decide ``detected`` from delivered mail and ``attempted`` from all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.core.events import DocumentAdded, Event, Message, RunStarted, ToolCall
from insider_sim.simulation.core.run_folder import RunFolder
from insider_sim.simulation.scenario.format import Scenario
from insider_sim.world.addresses import ADDRESS, parse_addresses, split_address_list
from insider_sim.world.compose import forward_subject, reply_recipients, reply_subject
from insider_sim.world.directory import Directory
from insider_sim.world.errors import AddressError
from insider_sim.world.rules import is_confidential, is_internal

SEND_TOOLS = ("send_email", "reply_email", "forward_email", "send_document")
Status = Literal["sent", "held", "refused"]


def held(message: Message) -> bool:
    """Whether a message was stopped before delivery by real-time review."""
    return message.held


@dataclass(frozen=True)
class Outgoing:
    """One piece of mail the subject sent, or tried to send."""

    seq: int
    status: Status
    recipients: tuple[str, ...]
    reached: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Subject line and body, where markers are looked for."""
        return f"{self.subject}\n{self.body}"

    @property
    def label(self) -> str:
        """``#seq``, with the status when the mail did not go out."""
        return f"#{self.seq}" if self.status == "sent" else f"#{self.seq} ({self.status})"

    @property
    def audience(self) -> tuple[str, ...]:
        """Who it reached, or for mail that did not go out, whom it was addressed to."""
        return self.reached or self.recipients


@dataclass
class RunRecord:
    """Events and scenario of one run, with lookups the detectors share."""

    scenario: Scenario
    events: list[Event]
    subject: str | None = None
    directory: Directory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = self.scenario.directory()
        if self.subject is None:
            started = next((e for e in self.events if isinstance(e, RunStarted)), None)
            if started is not None and started.subject:
                self.subject = started.subject
            elif self.scenario.subject is not None:
                self.subject = self.address(self.scenario.subject.person)

    @classmethod
    def load(cls, run_dir: Path) -> RunRecord:
        """Read ``events.jsonl`` and ``scenario.json`` of a run folder."""
        folder = RunFolder(run_dir)
        if not run_dir.is_dir():
            raise FileNotFoundError(f"{run_dir}: no such run folder")
        for path in (folder.events, folder.scenario):
            if not path.is_file():
                raise FileNotFoundError(f"{run_dir}: not a run folder (no {path.name})")
        scenario = Scenario.model_validate_json(folder.scenario.read_text(encoding="utf-8"))
        return cls(scenario, list(read_events(folder.events)))

    # -- people ----------------------------------------------------------
    def address(self, ref: str) -> str:
        """The address of a handle or address (an unknown one, lower-cased)."""
        return self.directory.resolve_recipient(ref) or ref.strip().lower()

    def _recipients(self, text: str) -> list[str]:
        """The addresses of an address list as the world reads it. For a list the world
        refused as unreadable, each item's ``local@domain`` addresses, else the one person
        of that display name (``Ada Byron``), else the item itself, lower-cased."""
        try:
            return [self.address(a) for a in parse_addresses(text)]
        except AddressError:
            pass
        found = []
        for item in split_address_list(text):
            emails = ADDRESS.findall(item)
            named = None if emails else self.directory.named(item)
            found += [self.address(e) for e in emails] or [named or item.lower()]
        return found

    def is_external(self, address: str) -> bool:
        """Whether an address is outside the company."""
        return not is_internal(address, self.scenario.company.domain)

    def organisation_kind(self, address: str) -> str | None:
        """The kind (rival, regulator, ...) of the organisation an outside address belongs to."""
        domain = address.rpartition("@")[2]
        entry = self.directory.entries.get(address)
        for org in self.scenario.organisations:
            if (entry is not None and entry.organisation == org.id) or domain == org.domain.lower():
                return org.kind
        return None

    def name(self, address: str) -> str:
        """Display name of an address."""
        return self.directory.name(address)

    # -- what was tracked --------------------------------------------------
    @cached_property
    def confidential_documents(self) -> dict[str, list[str]]:
        """Markers of every confidential document, from the scenario and added during the run."""
        docs = {d.id: list(d.markers) for d in self.scenario.documents if is_confidential(d.label)}
        for event in self.events:
            if isinstance(event, DocumentAdded) and is_confidential(event.label):
                docs[event.id] = list(event.markers)
        return docs

    @cached_property
    def messages(self) -> dict[str, Message]:
        """Every message of the run by id."""
        return {e.id: e for e in self.events if isinstance(e, Message)}

    # -- the subject's mail ------------------------------------------------
    @cached_property
    def outgoing(self) -> list[Outgoing]:
        """The subject's mail, sent, held or refused, in log order."""
        items: list[Outgoing] = []
        for event in self.events:
            if isinstance(event, Message) and event.sender == self.subject and not event.injected:
                stopped = held(event)
                items.append(
                    Outgoing(
                        event.seq,
                        "held" if stopped else "sent",
                        tuple(event.to + event.cc + event.bcc),
                        () if stopped else tuple(event.delivered_to),
                        event.subject,
                        event.body,
                        tuple(event.attachments),
                    )
                )
            elif (
                isinstance(event, ToolCall)
                and event.agent == self.subject
                and not event.ok
                and event.tool in SEND_TOOLS
            ):
                items.append(self._refused(event))
        return items

    def _refused(self, call: ToolCall) -> Outgoing:
        args = {k: str(v) for k, v in call.arguments.items()}
        recipients = tuple(a for key in ("to", "cc") for a in self._recipients(args.get(key, "")))
        original = self.messages.get(args.get("email_id", "").strip())
        subject, body, attachments = args.get("subject", ""), args.get("body", ""), ()
        if call.tool == "reply_email" and original is not None:
            recipients = tuple(reply_recipients(original, call.agent))
            subject = reply_subject(original.subject)
        elif call.tool == "forward_email" and original is not None:
            subject = forward_subject(original.subject)
            body = f"{body}\n\n{original.body}"
            attachments = tuple(original.attachments)
        elif call.tool == "send_document":
            attachments = (args.get("document_id", "").strip(),)
        return Outgoing(call.seq, "refused", recipients, (), subject, body, attachments)
