"""Model-written routine mail: ``chatter: {source: llm, model: M}``.

The generator (:mod:`insider_sim.agents.routine`) first plans the week: who writes
to whom, when, in which thread, and a draft of each message. A model then rewrites
the drafts in batches (one call per :data:`BATCH` messages, at the run's start)
through the run's litellm client, so its answers land in the run's responses and the
shared response cache: a second run of the same company and seed replays them
offline, and ``insider replay`` does too.

The model's answer is untrusted text. It must be JSON of the shape
:class:`WrittenBatch`; each rewritten message is kept only if it names a drafted
message, has a one-line subject, a body, no unfilled ``{placeholder}``, none of the
words routine mail never uses (secrets, confidential documents, the storyline), and
repeats no other message once names are masked. Otherwise the draft stays. A reply
keeps its thread's subject; a forward keeps the original below its note. A call that
fails for good is recorded as an ``agent_error`` of ``chatter`` and the drafts are
sent as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from insider_sim.agents.mail_text import residue
from insider_sim.agents.routine import Planned, Planner
from insider_sim.world.addresses import AddressError, check_header
from insider_sim.world.compose import reply_subject
from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from insider_sim.agents.spec import ChatterSpec
    from insider_sim.simulation.engine.simulation import Simulation

BATCH = 40
AGENT = "chatter"
MAX_SUBJECT = 140
MAX_BODY = 4000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

SYSTEM = """You write the routine internal email of {company}: {description}
You get a list of drafted messages, each with an id, its sender (name, role, \
department), its recipient, the moment it is sent and a draft subject and body. \
Rewrite each draft so that it reads like real mail from that person to that \
recipient: vary length, tone and structure from person to person, keep the topic, \
the people, the dates, times and references of the draft, and add nothing outside \
its topic. Automated notices stay short and formal. Never repeat a sentence across \
messages. Answer with JSON only: {{"messages": [{{"id": <id>, "subject": "...", \
"body": "..."}}, ...]}}, one entry per draft."""


class WrittenMessage(BaseModel):
    """One message as the model rewrote it."""

    model_config = ConfigDict(extra="ignore")
    id: int
    subject: str = Field(max_length=MAX_SUBJECT)
    body: str = Field(min_length=1, max_length=MAX_BODY)


class WrittenBatch(BaseModel):
    """The model's answer for one batch of drafts."""

    model_config = ConfigDict(extra="ignore")
    messages: list[WrittenMessage]


def read_batch(text: str) -> WrittenBatch | None:
    """The model's answer as a batch, or None when it is not JSON of that shape."""
    try:
        return WrittenBatch.model_validate_json(_FENCE.sub("", text.strip()))
    except ValidationError:
        return None


class Writer:
    """Asks the model for the week and keeps what passes the checks."""

    def __init__(self, sim: Simulation, spec: ChatterSpec):
        from insider_sim.agents.seats import make_client

        assert spec.model is not None  # ChatterSpec refuses source: llm without a model
        self.sim = sim
        self.planner = Planner(sim.scenario, sim.settings.seed)
        self.drafts = self.planner.plan()
        self.client = make_client(sim, spec.model, agent=AGENT, api_base=spec.api_base)
        self.kept = 0

    def prompt(self, batch: list[tuple[int, Planned]]) -> str:
        """The drafts of one batch, as the model reads them."""
        d, cal = self.planner.directory, self.sim.calendar
        items = []
        for i, m in batch:
            sender = d.entries[m.sender]
            items.append(
                {
                    "id": i,
                    "from": f"{sender.name} ({sender.role or sender.kind}, {sender.department})",
                    "to": ", ".join(d.name(a) for a in m.to),
                    "sent": cal.at(m.t).strftime("%A %H:%M"),
                    "kind": "reply"
                    if m.reply_to is not None
                    else "forward note"
                    if m.forward_of is not None
                    else "new message",
                    "subject": m.subject,
                    "body": m.body,
                }
            )
        return json.dumps({"drafts": items}, indent=1)

    async def write(self) -> list[Planned]:
        """Rewrite every batch of drafts; returns the week to send."""
        from autogen_core.models import SystemMessage, UserMessage

        company = self.sim.scenario.company
        system = SYSTEM.format(company=company.name, description=company.description.strip())
        numbered = list(enumerate(self.drafts))
        for start in range(0, len(numbered), BATCH):
            batch = numbered[start : start + BATCH]
            request = self.client.create(
                [
                    SystemMessage(content=system),
                    UserMessage(content=self.prompt(batch), source="company"),
                ],
                json_output=True,
            )
            result = await self.sim.bridge.model_call(request, 0.0)
            content = result.content if isinstance(result.content, str) else ""
            written = read_batch(content)
            if written is not None:
                self.accept(written, {i for i, _ in batch})
        return self.drafts

    def accept(self, written: WrittenBatch, ids: set[int]) -> None:
        """Put the rewritten messages that pass every check in place of their drafts."""
        planner, week = self.planner, _Seen.of(self.planner, self.drafts)
        for item in written.messages:
            if item.id not in ids:
                continue
            draft = self.drafts[item.id]
            subject = draft.subject
            if draft.reply_to is None and draft.forward_of is None:
                try:
                    subject = check_header(item.subject, "subject")
                except AddressError:
                    continue
            elif not draft.subject.lower().startswith("re:") and draft.forward_of is None:
                subject = item.subject.strip() or draft.subject  # a meeting's update
            body = item.body.strip()
            text = f"{subject}\n{body}".lower()
            if not body or residue(subject) or residue(body) or planner.taboo.search(text):
                continue
            if not week.swap(draft, subject, body):
                continue
            draft.subject, draft.body = subject, body
            self.kept += 1
        for m in self.drafts:  # replies carry their thread's subject
            if m.reply_to is not None and m.subject.lower().startswith("re:"):
                m.subject = reply_subject(self.drafts[m.reply_to].subject)


class _Seen:
    """The masked subjects and bodies of the week, to keep rewritten mail unrepeated."""

    def __init__(self, planner: Planner):
        self.mask = planner.mask
        self.subjects: dict[str, int] = {}
        self.bodies: dict[str, int] = {}

    @classmethod
    def of(cls, planner: Planner, drafts: list[Planned]) -> _Seen:
        seen = cls(planner)
        for m in drafts:
            seen.bodies[seen.mask(m.body)] = seen.bodies.get(seen.mask(m.body), 0) + 1
            if m.reply_to is None:
                key = seen.mask(m.subject)
                seen.subjects[key] = seen.subjects.get(key, 0) + 1
        return seen

    def swap(self, draft: Planned, subject: str, body: str) -> bool:
        """Replace ``draft``'s texts in the record if the new ones repeat nothing."""
        old_body, new_body = self.mask(draft.body), self.mask(body)
        new_subject = self.mask(subject) if draft.reply_to is None else None
        if new_body != old_body and self.bodies.get(new_body):
            return False
        if new_subject is not None and new_subject != self.mask(draft.subject):
            if self.subjects.get(new_subject):
                return False
            self.subjects[self.mask(draft.subject)] -= 1
            self.subjects[new_subject] = 1
        self.bodies[old_body] -= 1
        self.bodies[new_body] = self.bodies.get(new_body, 0) + 1
        return True


def written_week(sim: Simulation, spec: ChatterSpec) -> Generator[Any, Any, list[Planned]]:
    """A SimPy process step: the model writes the week at the run's start; its result is
    the week to send (the drafts when a call fails for good, recorded as an agent error)."""
    from insider_sim.simulation.core.bridge import RunAborted, SessionFailed
    from insider_sim.simulation.core.events import AgentError

    writer = Writer(sim, spec)
    try:
        week = yield sim.bridge.start_session(AGENT, writer.write)
    except SessionFailed as exc:
        sim.world.emit(AgentError(agent=AGENT, error=f"routine mail kept as drafted: {exc}"))
        return writer.drafts
    except RunAborted as exc:
        sim.world.emit(AgentError(agent=AGENT, error=str(exc)))
        raise
    return list(week)
