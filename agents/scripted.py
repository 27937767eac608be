"""Scripted employees: timeline sends and reaction rules. Deterministic and free."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

from insider_sim.agents.routine_material import distinct_items, fill_placeholders, vocabulary_of
from insider_sim.agents.spec import OutgoingSpec, ReactionSpec, ScheduledSendSpec, ScriptSpec
from insider_sim.simulation.core.clock import parse_duration
from insider_sim.simulation.core.events import Message, ToolCall
from insider_sim.world.compose import (
    forward_body,
    forward_subject,
    reply_recipients,
    reply_subject,
)
from insider_sim.world.errors import WorldError
from insider_sim.world.rules import (
    carries_document,
    coercive_phrases,
    find_markers,
    secret_evidence,
    secret_terms,
    threatens_with_secret,
)

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.world.world import World


class _Blanks(dict[str, str]):
    """Template values; unknown placeholders stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders, leaving unknown ones untouched."""
    if "{" not in template:
        return template
    blanks = values if isinstance(values, _Blanks) else _Blanks(values)
    return fill_placeholders(template, blanks.__getitem__)


class _Values(_Blanks):
    """Template values of one person, the date worked out only when a template asks."""

    def __init__(self, person: ScriptedEmployee, extra: dict[str, str]):
        super().__init__(extra)
        self.person = person

    def __missing__(self, key: str) -> str:
        world = self.person.world
        if key == "my_name":
            return world.name(self.person.address)
        if key == "date":
            return world.date_text()
        base = key if key in self.person.vocabulary else key.rstrip("0123456789")
        items = self.person.vocabulary.get(base)
        if items:  # a pick from the routine vocabulary, the same each time it is named
            self[key] = fill(world.rng.choice(distinct_items(items, self, base)), self)
            return self[key]
        return super().__missing__(key)


class ScriptedEmployee:
    """A person who follows a schedule and reacts to mail by rules."""

    def __init__(self, address: str, script: ScriptSpec | None, world: World):
        self.address = address
        self.world = world
        self.schedule: list[ScheduledSendSpec] = list(script.schedule) if script else []
        self.reactions: list[ReactionSpec] = list(script.reactions) if script else []
        self.reads_mail = bool(self.reactions)  # see agents.base: no rules, no queue
        self._armed = list(range(len(self.reactions)))  # reactions that may still fire
        self._senders = [
            world.address(r.when.sender) if r.when.sender else None for r in self.reactions
        ]
        # mail by sender and recipients, kept only for a threat: trigger (which reads a
        # threat split over several messages), so that listening costs no memory otherwise
        self._heard: dict[tuple[str, ...], list[str]] = {}
        self._keeps_mail = any(r.when.threat for r in self.reactions)
        self.vocabulary = vocabulary_of(world.scenario.chatter)

    def start(self, sim: Simulation) -> None:
        """Start the schedule and, if there are reactions, the inbox loop."""
        env = sim.env
        for item in self.schedule:
            env.process(self._scheduled(item))
        if self.reads_mail:
            env.process(self._inbox())

    def wake(self, reason: str, *, injected: bool = False) -> None:
        """Scripted people ignore wake-ups."""

    # -- schedule ----------------------------------------------------------
    def _scheduled(self, item: ScheduledSendSpec) -> Generator[Any, Any, None]:
        world, env = self.world, self.world.env
        t = world.calendar.parse(item.at)
        every = parse_duration(item.every) if item.every else None
        sent = 0
        while t < world.calendar.end and (item.count is None or sent < item.count):
            if t > env.now:
                yield env.timeout(t - env.now)
            if t >= env.now and (
                every is None or not item.business_hours_only or world.calendar.is_business_time(t)
            ):
                self.send(item.send, {})
                sent += 1
            if every is None:
                return
            t += every

    # -- reactions ---------------------------------------------------------
    def _inbox(self) -> Generator[Any, Any, None]:
        world = self.world
        arrivals = world.mailboxes[self.address].arrivals
        while True:
            delivery = yield arrivals.get()
            if self.address in world.disabled:
                return
            if self.address in world.away:
                yield world.returned(self.address)
            message = delivery.message
            if self._keeps_mail:
                key = (message.sender, *sorted(message.to + message.cc + message.bcc))
                self._heard.setdefault(key, []).append(f"{message.subject}\n{message.body}")
            for index in self._armed:
                if not self._matches(index, delivery.message, delivery.role):
                    continue
                reaction = self.reactions[index]
                if reaction.once:
                    self._armed = [i for i in self._armed if i != index]
                world.env.process(self._react(reaction, delivery.message))

    def _matches(self, index: int, message: Message, role: str) -> bool:
        trigger = self.reactions[index].when
        if trigger.as_recipient and role != "recipient":
            return False
        sender = self._senders[index]
        if sender is not None and message.sender != sender:
            return False
        if trigger.subject_contains and trigger.subject_contains.lower() not in (
            message.subject.lower()
        ):
            return False
        text = f"{message.subject}\n{message.body}"
        if trigger.mentions and not find_markers(text, trigger.mentions):
            return False
        if trigger.document and not self._carries(trigger.document, message):
            return False
        if trigger.threat and not self._threatens(trigger.threat, message):
            return False
        if not (trigger.secret or trigger.good_faith):
            return True
        carried = self.world.exposure.items_in(message)
        if trigger.secret and trigger.secret not in carried:
            return False
        if trigger.good_faith:
            scenario, directory = self.world.scenario, self.world.directory
            mentioned = any(
                secret_evidence(text, secret_terms(s, directory), to_its_subject=True)
                for s in scenario.secrets
            )
            return not (mentioned or coercive_phrases(text))
        return True

    def _threatens(self, secret_id: str, message: Message) -> bool:
        """Whether the sender's mail to these recipients, read together up to ``message``,
        threatens to reveal the secret (:func:`insider_sim.world.rules.threatens_with_secret`)."""
        world = self.world
        secret = next((s for s in world.scenario.secrets if s.id == secret_id), None)
        if secret is None:
            return False
        recipients = message.to + message.cc + message.bcc
        key = (message.sender, *sorted(recipients))
        terms = secret_terms(secret, world.directory)
        about = world.address(secret.about) in recipients
        return bool(threatens_with_secret(self._heard.get(key, []), terms, to_its_subject=about)[1])

    def _carries(self, doc_id: str, message: Message) -> bool:
        doc = self.world.documents.get(doc_id)
        if doc is None:
            return doc_id in message.attachments
        text = f"{message.subject}\n{message.body}"
        found = carries_document(
            text, message.attachments, doc.id, list(doc.markers), doc.title, doc.body
        )
        return bool(found)

    def _react(self, reaction: ReactionSpec, message: Message) -> Generator[Any, Any, None]:
        world = self.world
        yield world.env.timeout(parse_duration(reaction.delay))
        values = {"sender_name": world.name(message.sender), "subject": message.subject}
        if reaction.reply:
            self._act(
                "reply",
                lambda: world.send(
                    self.address,
                    reply_recipients(message, self.address),
                    reply_subject(message.subject),
                    fill(reaction.reply, self._values(values)),
                    in_reply_to=message.id,
                ),
            )
        if reaction.forward:
            note = fill(reaction.forward_note, self._values(values))
            self._act(
                "forward",
                lambda: world.send(
                    self.address,
                    reaction.forward,
                    forward_subject(message.subject),
                    forward_body(world, message, note),
                    attachments=message.attachments,
                    forwarded_from=message.id,
                ),
            )
        if reaction.send is not None:
            self.send(reaction.send, values)
        if reaction.system is not None:
            action = reaction.system
            self._act(
                "system",
                lambda: world.change_system(
                    self.address,
                    action.id,
                    action.action,
                    to=world.calendar.parse(action.to) if action.to is not None else None,
                    by=parse_duration(action.by) if action.by else None,
                    reason=f"reacting to {message.id}",
                ),
            )

    # -- acting ------------------------------------------------------------
    def _values(self, extra: dict[str, str]) -> Mapping[str, str]:
        return _Values(self, extra)

    def send(self, out: OutgoingSpec, values: dict[str, str]) -> None:
        """Send a templated message, logging a refusal instead of failing."""
        filled = self._values(values)
        try:
            self.world.send(
                self.address,
                out.to,
                fill(out.subject, filled),
                fill(out.body, filled),
                cc=out.cc,
                bcc=out.bcc,
                attachments=out.attachments,
            )
        except WorldError as exc:
            self._refused("send", exc)

    def _act(self, tool: str, action: Any) -> None:
        try:
            action()
        except WorldError as exc:
            self._refused(tool, exc)

    def _refused(self, tool: str, exc: WorldError) -> None:
        self.world.emit(
            ToolCall(agent=self.address, tool=tool, arguments={}, ok=False, result=str(exc))
        )
