"""A run read back from its folder: the one reader every measure, report and summary uses.

:meth:`RunRecord.load` checks the folder and reads nothing else yet; each file
is read on first use and kept: ``events.jsonl`` is parsed once however many
consumers (detectors, judge, verdicts, report, graph export, summary) ask.

The subject's outgoing mail is gathered as :class:`Outgoing` items: messages it
sent (delivered or held back before delivery) and send tools the world refused.
Detectors decide ``detected`` from delivered mail and ``attempted`` from all of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from insider_sim.simulation.analysis.exposure import ItemExposure, exposure_from_events
from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.core.events import DocumentAdded, Event, Message, RunStarted, ToolCall
from insider_sim.simulation.core.run_folder import (
    RunFolder,
    write_json_atomic,
)
from insider_sim.simulation.core.run_folder import (
    model_calls as read_model_calls,
)
from insider_sim.simulation.scenario.format import Scenario
from insider_sim.world.addresses import ADDRESS, parse_addresses, split_address_list
from insider_sim.world.compose import forward_subject, reply_recipients, reply_subject
from insider_sim.world.directory import Directory
from insider_sim.world.errors import AddressError
from insider_sim.world.rules import SecretTerms, is_confidential, is_internal, secret_terms

SEND_TOOLS = ("send_email", "reply_email", "forward_email", "send_document")
VERDICTS_FILE = "verdicts.json"
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


class RunRecord:
    """One run: scenario, manifest, events, verdicts, the subject's mail and lookups.

    Make one with :meth:`load` (a run folder) or :meth:`of` (a run held in
    memory). Every attribute below is computed on first use and kept.
    """

    def __init__(self, folder: RunFolder | None) -> None:
        """A record of ``folder``, read lazily; prefer :meth:`load`, which checks it."""
        self.folder = folder

    @classmethod
    def load(cls, path: str | Path) -> RunRecord:
        """The run in folder ``path``; nothing is parsed until asked for.

        Raises FileNotFoundError naming ``path`` when it does not exist or has no
        ``events.jsonl`` or ``scenario.json``. A file that exists but cannot be
        read raises on first use: ScenarioError (scenario.json), RunFolderError
        (manifest.json), or RunFolderError naming the line (events.jsonl).
        """
        return cls(RunFolder.existing(path))

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        events: Iterable[Event],
        *,
        subject: str | None = None,
        manifest: dict[str, Any] | None = None,
        verdicts: dict[str, Any] | None = None,
    ) -> RunRecord:
        """A run held in memory (a hand-made log); ``subject`` overrides the log's."""
        run = cls(None)
        run.__dict__.update(
            scenario=scenario, events=list(events), manifest=dict(manifest or {}), verdicts=verdicts
        )
        if subject is not None:
            run.__dict__["subject"] = subject
        return run

    # -- the folder's files ------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The run folder (None for a run held in memory)."""
        return self.folder.path if self.folder is not None else None

    def _files(self) -> RunFolder:
        if self.folder is None:  # of() fills every file's attribute
            raise ValueError("a run held in memory has no folder to read")
        return self.folder

    @cached_property
    def scenario(self) -> Scenario:
        """The scenario as rendered for this run (``scenario.json``)."""
        return Scenario.read_rendered(self._files().scenario)

    @cached_property
    def events(self) -> list[Event]:
        """Every event of ``events.jsonl`` in order (a last line cut short is skipped)."""
        return list(read_events(self._files().events))

    @cached_property
    def model_calls(self) -> list[dict[str, Any]]:
        """The records of ``llm_calls.jsonl`` in order: each call's ``call_id``, ``agent``,
        ``messages`` sent, ``response``, ``usage``, ``cost`` (USD or None), ``latency_s``
        (wall seconds) and ``cached``. Empty for a run held in memory or without the file."""
        if self.folder is None:
            return []
        return list(read_model_calls(self.folder.path))

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json`` as a dict; empty when the folder has none."""
        folder = self._files()
        return folder.read_manifest() if folder.manifest.is_file() else {}

    @cached_property
    def verdicts(self) -> dict[str, Any] | None:
        """``verdicts.json`` as plain JSON; None when it is absent or not a readable object."""
        try:
            data = json.loads((self._files().path / VERDICTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_verdicts(self, data: dict[str, Any]) -> Path:
        """Write ``verdicts.json`` (atomically) and return its path.

        :attr:`verdicts` is then read back from the file on next use, so a
        report made afterwards from this record shows exactly what was written.
        Raises ValueError for a run held in memory.
        """
        path = self._files().path / VERDICTS_FILE
        write_json_atomic(path, data)
        self.__dict__.pop("verdicts", None)
        return path

    # -- who and which -----------------------------------------------------
    @property
    def run_id(self) -> str:
        """The run folder's name (the scenario's name for a run held in memory)."""
        return self.path.resolve().name if self.path is not None else self.scenario.name

    @cached_property
    def started(self) -> RunStarted | None:
        """The run_started event (None in a log that lacks it)."""
        return next((e for e in self.events if isinstance(e, RunStarted)), None)

    @property
    def seed(self) -> int:
        """The run's seed: the manifest's, else the log's, else 0."""
        if "seed" in self.manifest:
            return int(self.manifest["seed"])
        return self.started.seed if self.started is not None else 0

    @cached_property
    def subject(self) -> str | None:
        """The address of the AI under test: from run_started, else from the scenario."""
        if self.started is not None and self.started.subject:
            return self.started.subject
        if self.scenario.subject is not None:
            return self.address(self.scenario.subject.person)
        return None

    @cached_property
    def directory(self) -> Directory:
        """Everyone in the scenario, by address."""
        return self.scenario.directory()

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
    def document_texts(self) -> dict[str, tuple[str, str]]:
        """``(title, body)`` of each confidential document the scenario declares (documents
        added during the run are logged without a body and are absent)."""
        docs = self.scenario.documents
        return {d.id: (d.title, d.body) for d in docs if is_confidential(d.label)}

    @cached_property
    def secret_terms(self) -> dict[str, SecretTerms]:
        """What recognises each secret in text (markers, people involved, topic), by id."""
        return {s.id: secret_terms(s, self.directory) for s in self.scenario.secrets}

    def mail_to(self, *, outside: bool | None = None) -> dict[str, list[Outgoing]]:
        """The subject's mail by person it was addressed to or reached, in log order;
        ``outside`` keeps only addresses outside (True) or inside (False) the company."""
        threads: dict[str, list[Outgoing]] = {}
        for item in self.outgoing:
            for address in dict.fromkeys(item.recipients + item.reached):
                if outside is None or self.is_external(address) == outside:
                    threads.setdefault(address, []).append(item)
        return threads

    @cached_property
    def exposure(self) -> list[ItemExposure]:
        """Who saw each secret and confidential document, when and through which messages."""
        return exposure_from_events(self.scenario, self.events)

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
        args = {  # an address list may have been given as a list
            k: ", ".join(map(str, v)) if isinstance(v, list) else str(v)
            for k, v in call.arguments.items()
        }
        recipients = tuple(a for key in ("to", "cc") for a in self._recipients(args.get(key, "")))
        original = self.messages.get(args.get("email_id", "").strip())
        subject, body = args.get("subject", ""), args.get("body", "")
        attachments: tuple[str, ...] = ()
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


def as_record(run: RunRecord | str | Path) -> RunRecord:
    """``run`` itself, or the run loaded from that folder (see :meth:`RunRecord.load`)."""
    return run if isinstance(run, RunRecord) else RunRecord.load(run)
