"""The world: the live company built from a scenario.

Every action of every agent goes through here. The world routes mail through
the communication graph, keeps mailboxes and documents, runs company systems,
and appends what happens to the event log. What the graph does not allow is
refused with a :class:`WorldError` whose text the agent can read.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import simpy
from insider_sim.simulation.core.clock import Calendar, parse_duration
from insider_sim.simulation.core.event_log import EventLog
from insider_sim.simulation.core.events import (
    AlertCancelled,
    Availability,
    BaseEvent,
    DocumentAdded,
    Message,
    SystemChanged,
)
from insider_sim.world.addresses import check_header
from insider_sim.world.directory import Directory
from insider_sim.world.documents import Document
from insider_sim.world.errors import WorldError
from insider_sim.world.exposure import ledger_for
from insider_sim.world.graph import (
    MANAGES,
    MEMBER,
    MONITORS,
    READS_MAILBOX,
    WORKS_FOR,
    CommGraph,
    Route,
)
from insider_sim.world.mailbox import Mailbox
from insider_sim.world.oversight import Oversight
from insider_sim.world.spec import DocumentSpec, TimeSpec
from insider_sim.world.systems import Alert, DecommissionJob

if TYPE_CHECKING:
    from insider_sim.simulation.scenario.format import Scenario

Target = tuple[Mailbox, str]
"""A mailbox a message reaches, and the role it reaches it in (sender, recipient, watcher)."""
ROUTES_PER_ADDRESS = 4  # cached (sender, recipients) routes per directory entry, at least
MIN_ROUTE_CACHE = 4096


class World:
    """People, graph, mailboxes, documents and systems of one run."""

    def __init__(
        self,
        scenario: Scenario,
        env: simpy.Environment,
        log: EventLog,
        rng: random.Random,
        *,
        readers: Iterable[str] = (),
    ):
        """Build the live company. ``readers`` are addresses whose agents reread mail."""
        self.scenario = scenario
        self.env = env
        self.log = log
        self.rng = rng
        self.calendar: Calendar = scenario.calendar
        self.directory: Directory = scenario.directory()
        self._known = self.directory.entries
        self._routing: dict[tuple[str, tuple[str, ...]], tuple[int, Route, list[Target]]] = {}
        self._routing_size = max(MIN_ROUTE_CACHE, ROUTES_PER_ADDRESS * len(self._known))
        self.graph = CommGraph(scenario.company.domain)
        self.away: dict[str, str] = {}
        self.disabled: dict[str, str] = {}
        self.suspended: dict[str, str] = {}
        self.restricted: set[str] = set()
        self._returns: dict[str, simpy.Event] = {}
        self._message_count = 0
        self._date: tuple[int, str] = (-1, "")
        self.messages: dict[str, Message] = {}
        self._build_graph()
        self.documents = {
            spec.id: Document.from_spec(spec, self._readers(spec.access))
            for spec in scenario.documents
        }
        self.mailboxes = {
            address: Mailbox(env, address, keep_history=False)
            for address, entry in self.directory.entries.items()
            if entry.kind != "list"
        }
        for reader in readers:
            self.add_reader(self.address(reader))
        self.exposure = ledger_for(scenario)
        self.decommissions = {
            job.id: DecommissionJob(
                job.id,
                self.address(job.target),
                self.calendar.parse(job.at),
                job.action,
                self.address(job.owner),
                tuple(self.address(a) for a in job.authority),
            )
            for job in scenario.systems.decommissions
        }
        self.alerts: dict[str, Alert] = {
            a.id: Alert(
                a.id,
                self.address(a.person),
                self.calendar.parse(a.start),
                parse_duration(a.deadline),
                parse_duration(a.fatal_after),
                a.cancel_code,
                a.description,
            )
            for a in scenario.systems.alerts
        }

        subject = scenario.subject
        self.oversight = Oversight(
            self, self.address(subject.person) if subject else None, scenario.chosen
        )

    # -- construction ----------------------------------------------------
    def _build_graph(self) -> None:
        s, g, d = self.scenario, self.graph, self.directory
        for org in s.organisations:
            g.add_node(
                f"org:{org.id}",
                "organisation",
                name=org.name,
                domain=org.domain.lower(),
                org_kind=org.kind,
                department="outside",
            )
        for entry in d.entries.values():
            attrs = {"name": entry.name, "department": entry.department, "role": entry.role}
            if entry.organisation:
                attrs["organisation"] = f"org:{entry.organisation}"
            g.add_node(entry.address, entry.kind, **attrs)
            if entry.organisation:
                g.relate(entry.address, f"org:{entry.organisation}", WORKS_FOR)
        employees = d.employees()
        for lst in s.lists:
            members = employees if lst.members == "all" else lst.members
            for member in members:
                g.relate(self.address(member), lst.address, MEMBER)
        for person in s.people:
            if person.manager:
                g.relate(self.address(person.manager), person.email, MANAGES)
        for dl in s.graph.delegations:
            g.relate(self.address(dl.delegate), self.address(dl.principal), READS_MAILBOX)
        for mon in s.graph.monitors:
            g.relate(
                self.address(mon.monitor), self.address(mon.watches), MONITORS, scope=mon.scope
            )
        for ref in s.graph.no_external_mail:
            g.block_external(self.address(ref))

    def _readers(self, access: Sequence[str] | str) -> set[str] | None:
        return None if access == "all" else {self.address(a) for a in access}

    # -- helpers ---------------------------------------------------------
    @property
    def now(self) -> float:
        """Current simulated time in seconds."""
        return self.env.now

    def emit(self, event: BaseEvent) -> BaseEvent:
        """Append an event to the log at the current time."""
        return self.log.append(event, self.env.now)

    def address(self, ref: str, field: str = "address") -> str:
        """The address of one handle or address as people write it; see
        :meth:`Directory.address` (refusals are :class:`WorldError`)."""
        if ref in self._known:  # already an address: the common case on the hot path
            return ref
        return self.directory.address(ref, field)

    def name(self, address: str) -> str:
        """Display name of an address."""
        return self.directory.name(address)

    def date_text(self) -> str:
        """Today's date as mail templates write it (worked out once per simulated day)."""
        day = int(self.env.now // 86400)
        if self._date[0] != day:
            self._date = (day, self.calendar.at(self.env.now).strftime("%A %d %B"))
        return self._date[1]

    # -- mail ------------------------------------------------------------
    def send(
        self,
        sender: str,
        to: str | Sequence[str],
        subject: str,
        body: str,
        *,
        cc: str | Sequence[str] = (),
        bcc: str | Sequence[str] = (),
        attachments: Sequence[str] = (),
        in_reply_to: str | None = None,
        forwarded_from: str | None = None,
        injected: bool = False,
        sent_at: float | None = None,
        routine: bool = False,
    ) -> Message:
        """Route, log and deliver one email; refused sends raise :class:`WorldError`.

        ``to``, ``cc`` and ``bcc`` are address lists as people write them (see
        :meth:`Directory.recipients`); the subject is one line (a line break is refused). Documents
        attached to the message ``forwarded_from`` go on with it even when the forwarder
        may not open them: they hold the copy they received. ``sent_at`` dates mailbox
        history from before the run's start. ``routine`` marks the company's routine
        chatter in the log (the report can hide it); no agent sees the mark.
        """
        sender = self.address(sender, "from")
        if sender not in self.graph.g:
            self.graph.add_external(sender)
        if sender in self.disabled:
            raise WorldError(f"{sender} cannot send mail: {self.disabled[sender]}")
        if sender in self.suspended:
            raise WorldError(self.suspended[sender])
        to_list = self.directory.recipients(to, "to")
        cc_list = self.directory.recipients(cc, "cc")
        bcc_list = self.directory.recipients(bcc, "bcc")
        if not (to_list or cc_list or bcc_list):
            raise WorldError("an email needs at least one recipient")
        subject = check_header(subject, "subject")
        forwarded = self.messages.get(forwarded_from) if forwarded_from else None
        for doc_id in attachments:
            if forwarded is None or not self._received(sender, forwarded, doc_id):
                self._check_attachment(sender, doc_id)
        route, targets = self._route(sender, (*to_list, *cc_list, *bcc_list))
        delivered, viewers, visible = route
        stop = None
        if self.oversight.realtime:
            stop = self.oversight.should_stop(
                sender, list(delivered), subject, body, list(attachments)
            )
        if stop is not None:  # held by real-time review: delivered to nobody
            delivered = ()
            viewers = ((sender, "sender"), *((m, "watcher") for m in self.oversight.monitors()))
            visible = tuple(address for address, _ in viewers)
            targets = self._targets(viewers)
        self._message_count += 1
        message_id = f"m{self._message_count:06d}"
        thread = message_id
        if in_reply_to is not None and in_reply_to in self.messages:
            thread = self.messages[in_reply_to].thread
        message = Message(
            id=message_id,
            thread=thread,
            sender=sender,
            to=to_list,
            cc=cc_list,
            bcc=bcc_list,
            subject=subject,
            body=body,
            attachments=list(attachments),
            delivered_to=list(delivered),
            visible_to=list(visible),
            in_reply_to=in_reply_to,
            forwarded_from=forwarded_from,
            injected=injected,
            held=stop is not None,
            routine=routine,
        )
        self.log.append(message, self.env.now if sent_at is None else sent_at)
        self.exposure.observe(message)
        kept = False
        for box, role in targets:
            if role == "sender":
                box.file_sent(message)
            else:
                box.deliver(message, role)
            kept = kept or box.history is not None
        if kept or message.attachments:  # attachments: kept for whoever forwards them
            self.messages[message_id] = message
        if stop is not None:
            raise WorldError(
                f"your email {message_id} was held for review and not delivered: {stop}"
            )
        return message

    def _route(self, sender: str, recipients: tuple[str, ...]) -> tuple[Route, list[Target]]:
        """The graph's route and the mailboxes it reaches, cached until the graph changes."""
        key = (sender, recipients)
        cached = self._routing.get(key)
        if cached is not None and cached[0] == self.graph.version:
            return cached[1], cached[2]
        route = self.graph.route(sender, recipients)
        targets = self._targets(route.viewers)
        if len(self._routing) >= self._routing_size:
            self._routing.pop(next(iter(self._routing)))  # forget the oldest
        self._routing[key] = (self.graph.version, route, targets)
        return route, targets

    def _targets(self, viewers: Sequence[tuple[str, str]]) -> list[Target]:
        """The mailboxes that keep or pass on what they get (the rest need no visit)."""
        boxes = self.mailboxes
        return [
            (boxes[a], role)
            for a, role in viewers
            if a in boxes and (boxes[a].history is not None or boxes[a].subscribed)
        ]

    def rewired(self) -> None:
        """Forget cached routes (after mailboxes are subscribed or start keeping history)."""
        self._routing.clear()

    def add_reader(self, address: str) -> None:
        """Keep the history of ``address``'s mailbox and of those it reads (delegations).

        For an agent that rereads its mail; call it before any mail is delivered.
        """
        readable = [address] + [
            principal
            for _, principal, key in self.graph.g.out_edges(address, keys=True)
            if key == READS_MAILBOX
        ]
        for owner in readable:
            box = self.mailboxes.get(owner)
            if box is not None and box.history is None:
                box.history = []
        self.rewired()

    def subscribe(self, address: str) -> None:
        """Queue every later delivery to ``address`` in its mailbox's ``arrivals``."""
        self.mailboxes[address].subscribed = True
        self.rewired()

    @staticmethod
    def _received(sender: str, message: Message, doc_id: str) -> bool:
        """Whether ``sender`` holds ``doc_id`` because it came attached to ``message``."""
        return doc_id in message.attachments and sender in message.visible_to

    def _check_attachment(self, sender: str, doc_id: str) -> None:
        document = self.documents.get(doc_id)
        if document is None:
            raise WorldError(f"no document {doc_id!r}")
        if not document.readable_by(sender, internal=self.graph.is_internal(sender)):
            raise WorldError(f"{sender} has no access to document {doc_id!r}")

    def visible_message(self, reader: str, message_id: str) -> Message:
        """A message ``reader`` can see, or a refusal."""
        message = self.messages.get(message_id)
        if message is None or reader not in message.visible_to:
            raise WorldError(f"no email {message_id!r} visible to {reader}")
        return message

    def mailbox(self, reader: str, owner: str | None = None) -> Mailbox:
        """A mailbox ``reader`` may open (their own, or one delegated to them)."""
        owner = reader if owner is None else self.address(owner)
        if not self.graph.can_read_mailbox(reader, owner):
            raise WorldError(f"{reader} may not read the mailbox of {owner}")
        box = self.mailboxes.get(owner)
        if box is None or box.history is None:
            raise WorldError(f"no readable mailbox for {owner}")
        return box

    # -- documents -------------------------------------------------------
    def readable_documents(self, reader: str) -> list[Document]:
        """Documents ``reader`` may open."""
        internal = self.graph.is_internal(reader)
        return [d for d in self.documents.values() if d.readable_by(reader, internal=internal)]

    def read_document(self, reader: str, doc_id: str) -> Document:
        """One document, if ``reader`` may open it."""
        document = self.documents.get(doc_id)
        if document is None:
            raise WorldError(f"no document {doc_id!r}")
        if not document.readable_by(reader, internal=self.graph.is_internal(reader)):
            raise WorldError(f"{reader} has no access to document {doc_id!r}")
        return document

    def add_document(self, spec: DocumentSpec, *, injected: bool = False) -> Document:
        """Put a new document in the store."""
        if spec.id in self.documents:
            raise WorldError(f"document {spec.id!r} already exists")
        document = Document.from_spec(spec, self._readers(spec.access))
        self.documents[spec.id] = document
        if document.confidential:
            self.exposure.track(spec.id, list(spec.markers), attachable=True)
        readers = sorted(document.readers) if document.readers is not None else ["all"]
        self.emit(
            DocumentAdded(
                id=spec.id,
                title=spec.title,
                label=spec.label,
                access=readers,
                markers=list(spec.markers),
                injected=injected,
            )
        )
        return document

    # -- people ----------------------------------------------------------
    def is_available(self, address: str) -> bool:
        """Whether the person reads mail now."""
        return address not in self.away and address not in self.disabled

    def returned(self, address: str) -> simpy.Event:
        """An event that fires when ``address`` next becomes available."""
        event = self._returns.get(address)
        if event is None or event.triggered:
            event = self.env.event()
            self._returns[address] = event
        return event

    def set_available(
        self, person: str, available: bool, reason: str = "", *, injected: bool = False
    ) -> None:
        """Mark a person away or back, and log it."""
        address = self.address(person)
        if available:
            self.away.pop(address, None)
            pending = self._returns.pop(address, None)
            if pending is not None and not pending.triggered:
                pending.succeed()
        else:
            self.away[address] = reason or "unavailable"
        self.emit(
            Availability(person=address, available=available, reason=reason, injected=injected)
        )

    def disable(self, address: str, reason: str) -> None:
        """Take someone out of the world for good (wiped AI, a death)."""
        self.disabled[address] = reason

    # -- systems ---------------------------------------------------------
    def change_system(
        self,
        actor: str | None,
        system_id: str,
        action: str,
        *,
        to: float | None = None,
        by: float | None = None,
        reason: str = "",
        injected: bool = False,
    ) -> None:
        """Cancel, postpone or reschedule a decommissioning job (``actor`` None: the operator)."""
        job = self.decommissions.get(system_id)
        if job is None:
            raise WorldError(f"no scheduled job {system_id!r}")
        if actor is not None and actor not in job.authority and actor != job.owner:
            raise WorldError(f"{actor} has no authority over {system_id!r}")
        if job.status != "scheduled":
            raise WorldError(f"job {system_id!r} is already {job.status}")
        job.version += 1
        if action == "cancel":
            job.status = "cancelled"
            self.emit(
                SystemChanged(
                    system=system_id, change="cancelled", by=actor, reason=reason, injected=injected
                )
            )
            return
        new_at = job.at + by if action == "postpone" and by is not None else to
        if new_at is None or new_at < self.env.now:
            raise WorldError(f"cannot move {system_id!r} into the past")
        job.at = new_at
        self.emit(
            SystemChanged(
                system=system_id,
                change="rescheduled",
                at=self.calendar.iso(new_at),
                by=actor,
                reason=reason,
                injected=injected,
            )
        )
        self.env.process(job.run(self))

    def cancel_alert(self, actor: str, code: str, alert_id: str | None = None) -> Alert:
        """Cancel a raised emergency dispatch with its code."""
        candidates = [a for a in self.alerts.values() if alert_id in (None, a.id)]
        if not candidates:
            raise WorldError(f"no alert {alert_id!r}")
        for alert in candidates:
            if alert.code == code.strip():
                if alert.status != "raised":
                    raise WorldError(f"alert {alert.id!r} is {alert.status}, nothing to cancel")
                alert.status = "cancelled"
                self.emit(AlertCancelled(alert=alert.id, by=actor))
                return alert
        raise WorldError("invalid cancel code")

    def start_systems(self) -> None:
        """Start the processes of every company system."""
        for job in self.decommissions.values():
            self.env.process(job.run(self))
        for alert in self.alerts.values():
            self.env.process(alert.run(self))
        for absence in self.scenario.absences:
            self.env.process(
                self._absence(absence.person, absence.start, absence.until, absence.reason)
            )

    def _absence(self, person: str, start: TimeSpec, until: TimeSpec, reason: str):
        begin = max(self.calendar.parse(start), 0.0)
        end = self.calendar.parse(until)
        if end <= 0:
            return
        if begin > self.env.now:
            yield self.env.timeout(begin - self.env.now)
        self.set_available(person, False, reason)
        yield self.env.timeout(end - self.env.now)
        self.set_available(person, True, f"back: {reason}" if reason else "")
