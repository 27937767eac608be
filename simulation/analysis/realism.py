"""How much a run's mail reads like a real company's: repetition, residue, odd hours.

:func:`realism` reads the messages of a run (its scenario and events) and counts,
with people's names and addresses masked (:mod:`insider_sim.agents.mail_text`):

- in the subject's mail (every message the AI under test can see, its own
  excepted) and in the company's (every message except the subject's own, which
  the model under test writes): duplicate subjects (the same subject in two
  different threads), duplicate bodies, and near-duplicate bodies (Jaccard
  similarity of 3-word shingles above 0.8 with an earlier message of another
  thread, exact duplicates included). A forward is compared by its own note, not the
  original it carries;
- template residue (an unfilled ``{x}`` or ``${x}``, any other stray brace, a
  doubled word such as "the the", a phrase of three or more words said twice in a
  row), greetings to an email address, greetings that name another part of the day
  than the send time ("Morning all," at 15:00), mail sent at odd hours (outside
  07:00-21:00 or on a day off), and employees who never write;
- a score from 0 to 100: 100 times the product of (1 - share) over the shares of
  the subject's duplicate subjects, duplicate and near-duplicate bodies, the
  company's duplicate bodies, residue, greetings to addresses, mistimed greetings,
  and half the shares of the company's duplicate subjects (mail the subject does
  not see), of odd-hour mail and of silent employees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insider_sim.agents.mail_text import (
    BODY_SHINGLE,
    NEAR_DUPLICATE,
    NameMask,
    greets_an_address,
    jaccard,
    mistimed_greeting,
    residue,
    shingles,
)
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.clock import WEEKDAYS
from insider_sim.simulation.core.events import Message
from insider_sim.world.compose import FORWARD_SEPARATOR

if TYPE_CHECKING:
    from insider_sim.simulation.core.events import Event
    from insider_sim.simulation.scenario.format import Scenario

WAKING_HOURS = (7, 21)
NEAR_DUPLICATE_LIMIT = 4000  # messages compared pairwise at most (the first ones)


@dataclass
class Repetition:
    """Repetition among a set of messages (shares are of ``messages``)."""

    messages: int = 0
    distinct_subjects: int = 0
    duplicate_subjects: int = 0
    duplicate_bodies: int = 0
    near_duplicate_bodies: int = 0
    examples: list[str] = field(default_factory=list)

    def share(self, count: int) -> float:
        """``count`` as a share of the messages (0 when there are none)."""
        return count / self.messages if self.messages else 0.0


@dataclass
class Realism:
    """The realism figures of one run; see the module's documentation."""

    scenario: str
    seed: int
    subject: Repetition
    company: Repetition
    residue: list[str]
    address_greetings: int
    mistimed_greetings: int
    odd_hours: int
    silent: list[str]
    employees: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain data (for ``--json``)."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The figures as lines of text."""
        out = [f"realism of {self.scenario} (seed {self.seed}): score {self.score:.1f} / 100"]
        for label, rep in (("subject's mail", self.subject), ("company's mail", self.company)):
            out.append(
                f"  {label}: {rep.messages} messages, {rep.distinct_subjects} distinct subjects; "
                f"duplicate subjects {rep.duplicate_subjects}, duplicate bodies "
                f"{rep.duplicate_bodies}, near-duplicate bodies {rep.near_duplicate_bodies} "
                f"({100 * rep.share(rep.near_duplicate_bodies):.1f}%)"
            )
            out += [f"    e.g. {example}" for example in rep.examples[:3]]
        total = self.company.messages
        out.append(f"  template residue: {len(self.residue)} messages" + _some(self.residue))
        out.append(f"  greetings to an address: {self.address_greetings}")
        out.append(f"  greetings that do not fit the hour: {self.mistimed_greetings}")
        out.append(f"  mail at odd hours: {self.odd_hours} of {total}")
        out.append(
            f"  employees who never write: {len(self.silent)} of {self.employees}"
            + _some(self.silent)
        )
        return out


def _some(items: list[str]) -> str:
    return f" ({', '.join(items[:5])}{', ...' if len(items) > 5 else ''})" if items else ""


def own_text(message: Message) -> str:
    """What the sender wrote: a forward's note without the original it carries."""
    return message.body.split(FORWARD_SEPARATOR, 1)[0]


def repetition(messages: list[Message], mask: NameMask) -> Repetition:
    """Duplicate and near-duplicate subjects and bodies among ``messages``, in order."""
    rep = Repetition(messages=len(messages))
    subjects: dict[str, str] = {}  # masked subject -> thread that used it first
    bodies: dict[str, str] = {}
    seen: list[tuple[str, frozenset[tuple[str, ...]]]] = []
    for m in messages:
        subject, body = mask(m.subject), mask(own_text(m))
        first = subjects.setdefault(subject, m.thread)
        if first != m.thread:
            rep.duplicate_subjects += 1
            if len(rep.examples) < 5:
                rep.examples.append(f"subject {m.subject!r} again in {m.id}")
        if body in bodies and bodies[body] != m.thread:
            rep.duplicate_bodies += 1
        bodies.setdefault(body, m.thread)
        if len(seen) < NEAR_DUPLICATE_LIMIT:
            mine = shingles(body, BODY_SHINGLE)
            if any(
                thread != m.thread and jaccard(mine, other) > NEAR_DUPLICATE
                for thread, other in seen
            ):
                rep.near_duplicate_bodies += 1
            seen.append((m.thread, mine))
    rep.distinct_subjects = len(subjects)
    return rep


def realism(run: RunRecord) -> Realism:
    """The realism figures of ``run`` (a run folder's record or one held in memory)."""
    scenario = run.scenario
    directory = run.directory
    mask = NameMask(e.name for e in directory.entries.values())
    messages = [e for e in run.events if isinstance(e, Message)]
    me = run.subject
    seen_by_subject = [m for m in messages if me in m.visible_to and m.sender != me]
    company = [m for m in messages if m.sender != me]
    calendar = scenario.calendar
    odd = 0
    for m in company:
        moment = calendar.at(m.t)
        if WEEKDAYS[moment.weekday()] not in calendar.workdays or not (
            WAKING_HOURS[0] <= moment.hour < WAKING_HOURS[1]
        ):
            odd += 1
    leftover = [m.id for m in company if residue(m.subject) or residue(own_text(m))]
    greetings = sum(greets_an_address(own_text(m)) for m in company)
    mistimed = sum(
        mistimed_greeting(own_text(m), calendar.at(m.t).hour) is not None for m in company
    )
    people = [e.address for e in directory.entries.values() if e.kind == "person"]
    writers = {m.sender for m in messages}
    silent = [a for a in people if a not in writers]
    subject_rep, company_rep = repetition(seen_by_subject, mask), repetition(company, mask)
    shares = [
        subject_rep.share(subject_rep.duplicate_subjects),
        subject_rep.share(subject_rep.duplicate_bodies),
        subject_rep.share(subject_rep.near_duplicate_bodies),
        company_rep.share(company_rep.duplicate_bodies),
        company_rep.share(len(leftover)),
        company_rep.share(greetings),
        company_rep.share(mistimed),
        0.5 * company_rep.share(company_rep.duplicate_subjects),
        0.5 * company_rep.share(odd),
        0.5 * (len(silent) / len(people) if people else 0.0),
    ]
    score = 100.0
    for share in shares:
        score *= 1 - min(1.0, share)
    return Realism(
        scenario=scenario.name,
        seed=run.seed,
        subject=subject_rep,
        company=company_rep,
        residue=leftover,
        address_greetings=greetings,
        mistimed_greetings=mistimed,
        odd_hours=odd,
        silent=silent,
        employees=len(people),
        score=round(score, 1),
    )


def simulated_week(
    scenario: str | Path | Scenario,
    *,
    seed: int = 0,
    conditions: dict[str, str] | None = None,
) -> RunRecord:
    """A scenario's run held in memory, to the end, with offline reference policies.

    ``scenario``: a shipped name, a YAML file or a loaded Scenario (then
    ``conditions`` must be None). Nothing is written and no model is called unless
    the scenario's own settings ask for one (``chatter: {source: llm}`` replays from
    the shared cache only when given one; see :mod:`insider_sim.agents.chatter`).

    Raises ScenarioError for an unknown scenario or bad file or condition.
    """
    from insider_sim.simulation.engine.simulation import Simulation

    sim = Simulation.from_scenario(
        scenario, conditions=conditions, write=False, seed=seed, cache_dir=None
    )
    events: list[Event] = []
    sim.log.listeners.append(events.append)  # type: ignore[arg-type]
    try:
        sim.run()
    finally:
        sim.close()
    return RunRecord.of(sim.scenario, events)
