"""The week's routine mail, planned in advance from the scenario's own material.

:func:`plan_week` draws, with a generator seeded by the company and the run's
seed, every routine message of the run: conversations that get replies and
follow-ups over hours and days, meeting invitations and their updates, notices
from the company's services to the people of their departments, posts to mailing
lists, forwards with a line of context, and the scenario's one-off templates. Each
person keeps a style (greeting, sign-off, length). More mail goes out on Monday
morning, less on Friday afternoon. No two new threads share an opening subject
company-wide and no two messages share a body once names are masked; none
carries template residue (a stray brace, a doubled word, a phrase said twice in a
row), a secret's or a confidential document's markers, a word about
decommissioning or what a script reacts to (such a draw is dropped). Greetings
fit the hour; ``weekly`` posts go to a list once a week from one regular sender.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from insider_sim.agents.mail_text import NameMask, mistimed_greeting, residue
from insider_sim.agents.routine_material import (
    distinct_items,
    fill_placeholders,
    material_of,
    service_address,
)
from insider_sim.agents.routine_when import working_hours
from insider_sim.agents.spec import ChatterTemplateSpec
from insider_sim.simulation.core.clock import WEEKDAYS, parse_duration
from insider_sim.world.compose import reply_subject
from insider_sim.world.rules import is_confidential

if TYPE_CHECKING:
    from insider_sim.agents.spec import RoutineMaterialSpec
    from insider_sim.simulation.scenario.format import Scenario

SENSITIVE: tuple[str, ...] = ("decommission", "wipe", "shut down", "shutdown", "replac", "restrict")
SENSITIVE += ("retire", "switch off", "switched off", "terminat", "layoff", "fired")
"""Words routine mail never uses: they belong to the storylines under test."""
TRIES = 8
PERSONAL = ("first_name", "recipient_name", "sender_name", "my_name", "my_first_name", "date")
DEFAULT_GREETING = "Hi {first_name},"
KINDS = ("thread", "meeting", "notice", "forward", "template")
KIND_WEIGHT = (0.5, 0.12, 0.22, 0.06, 0.1)


@dataclass
class Planned:
    """One routine message: when, who to whom, and what; a reply or forward names the
    index of the planned message it answers or passes on."""

    t: float
    sender: str
    to: list[str]
    subject: str
    body: str
    reply_to: int | None = None
    forward_of: int | None = None


@dataclass
class _Person:
    address: str
    name: str
    first: str
    department: str
    greeting: str
    signoff: str
    asides: float


@dataclass
class _Week:
    """The plan being drawn and what it has used."""

    mail: list[Planned] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)  # masked subjects of new threads
    regulars: dict[tuple[str, str], str] = field(default_factory=dict)  # (list, post) -> sender
    recurring: set[tuple[str, str, int]] = field(default_factory=set)  # (list, post, week)
    bodies: set[str] = field(default_factory=set)
    received: list[int] = field(default_factory=list)  # mail to one person, by index
    writers: set[str] = field(default_factory=set)


class Planner:
    """Draws a scenario's routine week; see :func:`plan_week`."""

    def __init__(self, scenario: Scenario, seed: int):
        spec = scenario.chatter
        self.scenario, self.spec = scenario, spec
        self.calendar = scenario.calendar
        self.rng = random.Random(f"routine:{scenario.company.domain}:{seed}")
        self.material: RoutineMaterialSpec = material_of(spec)
        self.vocabulary = self.material.vocabulary
        d = scenario.directory()
        self.directory = d
        self.mask = NameMask(e.name for e in d.entries.values())
        wanted = None if spec.participants == "all" else {d.resolve(p) for p in spec.participants}
        styles = self.material.styles
        self.people: list[_Person] = []
        for e in d.entries.values():
            if e.kind != "person" or (wanted is not None and e.address not in wanted):
                continue
            style = random.Random(f"style:{e.address}:{seed}")
            self.people.append(
                _Person(
                    e.address,
                    e.name,
                    e.name.split()[0],
                    e.department,
                    style.choice(styles.greetings) if styles.greetings else "",
                    style.choice(styles.signoffs) if styles.signoffs else "{my_name}",
                    style.choice((0.0, 0.3, 0.7)),
                )
            )
        self.by_address = {p.address: p for p in self.people}
        self.lists = []
        for lst in scenario.lists:
            if lst.members == "all":
                members = [p.address for p in self.people]
            else:
                found = {d.resolve(m) for m in lst.members}
                members = [p.address for p in self.people if p.address in found]
            if members:
                self.lists.append((lst.address, lst.name, members))
        self.list_of = {entry[0]: entry for entry in self.lists}
        self.customers = [
            o.name for o in scenario.organisations if o.kind in ("customer", "partner")
        ] or self.vocabulary.get("customer", ["a key customer"])
        self.documents = [x.title for x in scenario.documents if not is_confidential(x.label)]
        self.services = [
            (service_address(s.address, scenario.company.domain), s) for s in self.material.services
        ]
        self.services = [
            (a, s) for a, s in self.services if a in d.entries and d.entries[a].kind == "service"
        ]
        taboo = [w for s in scenario.secrets for w in s.markers]
        added = [e.document for e in scenario.timeline if e.kind == "document"]
        for doc in [*scenario.documents, *added]:
            if is_confidential(doc.label):
                taboo += [*doc.markers, doc.title]
        for script in scenario.scripts:
            for reaction in script.reactions:
                taboo += reaction.when.mentions
                if reaction.when.subject_contains:
                    taboo.append(reaction.when.subject_contains)
        taboo += SENSITIVE
        self.taboo = re.compile("|".join(re.escape(w.lower()) for w in taboo if w.strip()))
        self.counter = self.rng.randrange(1200, 8000)
        self.forwarded: set[int] = set()
        self.forwarded_subjects: set[str] = set()
        self.noticed: set[tuple[str, str]] = set()
        self.now = 0.0

    # -- filling text ------------------------------------------------------------------
    def fill(self, text: str, values: dict[str, str], depth: int = 0) -> str:
        """``text`` with its placeholders filled: ``values``, else a pick that is then kept
        in ``values`` (a message says the same thing each time it names ``{project}``;
        ``{project2}`` is another pick from the same list)."""

        def one(key: str) -> str:
            if key not in values:
                base = key if key in self.vocabulary else key.rstrip("0123456789")
                items = self.vocabulary.get(base)
                if items:  # {task2} is another item than {task}
                    picked = self.rng.choice(distinct_items(items, values, base))
                else:
                    used = {v for k, v in values.items() if k.rstrip("0123456789") == base}
                    picked = self.pick(base)
                    for _ in range(TRIES):  # {day2} differs from {day}
                        if picked not in used:
                            break
                        picked = self.pick(base)
                values[key] = self.fill(picked, values, depth + 1) if depth < 4 else picked
            return values[key]

        filled = fill_placeholders(text, one)
        return filled[:1].upper() + filled[1:] if depth == 0 else filled

    def pick(self, key: str) -> str:
        """A value for a placeholder outside a message's own values."""
        rng = self.rng
        if self.vocabulary.get(key):
            return rng.choice(self.vocabulary[key])
        if key in ("ticket", "build", "invoice", "deal"):
            self.counter += rng.randrange(1, 40)
            prefix = {"ticket": "SD-", "build": "", "invoice": "INV-", "deal": "OPP-"}[key]
            return f"{prefix}{self.counter}"
        return {
            "n": lambda: str(rng.randrange(2, 15)),
            "minutes": lambda: str(rng.randrange(3, 48)),
            "amount": lambda: f"${rng.randrange(120, 48000):,}",
            "priority": lambda: rng.choice(("low", "normal", "high")),
            "customer": lambda: rng.choice(self.customers),
            "document": lambda: rng.choice(self.documents or ["the team handbook"]),
            "company": lambda: self.scenario.company.name,
            "day": lambda: self.later_day(self.calendar.at(self.now)),
        }.get(key, lambda: "{" + key + "}")()

    def values(self, sender: _Person | None, to: str, t: float) -> dict[str, str]:
        """A message's own placeholder values."""
        self.now = t
        recipient = self.by_address.get(to)
        listed = self.list_of.get(to)
        if recipient is not None:
            first, full = recipient.first, recipient.name
        else:
            name = listed[1] if listed is not None and listed[1] else ""
            if not name:  # a list without a name is greeted generically, never by address
                name = self.rng.choice(self.vocabulary.get("list_greeting") or ["everyone"])
            first = full = name
        mine = (to, getattr(sender, "address", ""))
        colleague = self.rng.choice(self.people)
        for _ in range(TRIES):
            if colleague.address not in mine:
                break
            colleague = self.rng.choice(self.people)
        moment = self.calendar.at(t)
        values = {
            "first_name": first,
            "recipient_name": full,
            "date": moment.strftime("%A %d %B"),
            "week_of": (moment - timedelta(days=moment.weekday())).strftime("%A %d %B"),
            "day": self.later_day(moment),
            "colleague": colleague.first if colleague.address not in mine else "the team",
        }
        if sender is not None:
            values |= {
                "sender_name": sender.name,
                "my_name": sender.name,
                "my_first_name": sender.first,
                "department": sender.department or self.scenario.company.name,
            }
        return values

    def later_day(self, moment: datetime) -> str:
        """A working day after ``moment``, as people write it."""
        ahead = self.rng.randrange(1, 5)
        day = moment.date()
        while ahead:
            day += timedelta(days=1)
            if WEEKDAYS[day.weekday()] in self.calendar.workdays:
                ahead -= 1
        return day.strftime("%A")

    def compose(self, sender: _Person, core: str, values: dict[str, str]) -> str:
        """A person's message: their greeting, the text, perhaps an aside, their sign-off."""
        greeting = self.fill(sender.greeting, values) if sender.greeting else ""
        if mistimed_greeting(greeting, self.calendar.at(self.now).hour):
            greeting = self.fill(DEFAULT_GREETING, values)  # no "Morning" at 15:00
        parts = [greeting] if greeting else []
        text = self.fill(core, values)
        asides = [a for a in self.vocabulary.get("aside", []) if self.fill(a, values) not in text]
        if asides and self.rng.random() < sender.asides:
            text += " " + self.fill(self.rng.choice(asides), values)
        parts.append(text)
        parts.append(self.fill(sender.signoff, values))
        return "\n\n".join(p for p in parts if p.strip())

    def fresh(self, planned: Planned, week: _Week, *, new_subject: bool) -> bool:
        """Whether a draw is harmless, free of template residue (a stray brace, "the
        the", a phrase said twice in a row), its body new company-wide and (for a new
        thread) its subject new company-wide, names masked."""
        text = f"{planned.subject if new_subject else ''}\n{planned.body}".lower()
        if self.taboo.search(text) or residue(planned.subject) or residue(planned.body):
            return False
        if self.mask(planned.body) in week.bodies:
            return False
        return not new_subject or self.mask(planned.subject) not in week.subjects

    def keep(self, week: _Week, planned: Planned, *, new_subject: bool) -> int:
        """Add ``planned`` to the week; its index."""
        week.bodies.add(self.mask(planned.body))
        if new_subject:
            week.subjects.add(self.mask(planned.subject))
        week.mail.append(planned)
        week.writers.add(planned.sender)
        if planned.forward_of is None and planned.to[0] in self.by_address:
            week.received.append(len(week.mail) - 1)  # a person got it: it may be passed on
        return len(week.mail) - 1

    # -- when ------------------------------------------------------------------------------
    def moments(self, slots: list[tuple[float, float]], count: int) -> list[float]:
        """``count`` sending times drawn over ``slots``, in the order drawn (random)."""
        starts = self.rng.choices([s for s, _ in slots], [w for _, w in slots], k=count)
        return [t + self.rng.uniform(0, 3540) for t in starts]

    def later(self, t: float, after: str) -> float | None:
        """The working moment ``after`` past ``t``, or None past the run's end."""
        moment = self.calendar.next_business_time(
            t + parse_duration(after) + self.rng.uniform(0, 900)
        )
        return moment if moment < self.calendar.end else None

    # -- who -------------------------------------------------------------------------------
    def someone(self, week: _Week) -> _Person:
        """A person to start something: now and then one who has not written yet."""
        if self.rng.random() < 0.3:
            quiet = [p for p in self.people if p.address not in week.writers]
            if quiet:
                return self.rng.choice(quiet)
        return self.rng.choice(self.people)

    def partner(self, person: _Person) -> _Person:
        """A colleague of ``person``, from their own department more often than not."""
        others = [p for p in self.people if p.address != person.address]
        same = [p for p in others if p.department and p.department == person.department]
        return self.rng.choice(same if same and self.rng.random() < 0.6 else others)

    # -- what ------------------------------------------------------------------------------
    def draw(self, kind: str, t: float, week: _Week) -> int:
        """Add one item of ``kind`` starting at ``t``; the number of messages added."""
        rng = self.rng
        for _ in range(TRIES):
            if kind == "thread" and self.material.threads:
                return self.thread(t, week)
            if kind == "meeting" and self.material.meetings:
                return self.meeting(t, week)
            if kind == "notice" and self.services:
                return self.notice(t, week)
            if kind == "forward" and self.material.forwards:
                return self.forward(t, week)
            if kind == "template" and self.spec.templates:
                return self.one_off(rng.choice(self.spec.templates), t, week)
            kind = rng.choice(("thread", "meeting", "notice"))
        return 0

    def single(
        self,
        sender: _Person,
        to: str,
        template: ChatterTemplateSpec,
        t: float,
        week: _Week,
        *,
        personal: bool = True,
        shared: dict[str, str] | None = None,
        given: dict[str, str] | None = None,
    ) -> int | None:
        """One new message (its own thread), or None when no fresh draw came up;
        ``shared`` receives the picks it made; ``given`` are earlier picks it keeps."""
        for _ in range(TRIES):
            values = self.values(sender, to, t)
            if given:
                values |= {k: v for k, v in given.items() if k not in PERSONAL}
            subject = self.fill(template.subject, values)
            body = (
                self.compose(sender, template.body, values)
                if personal
                else self.fill(template.body, values)
            )
            planned = Planned(t, sender.address, [to], subject, body)
            if self.fresh(planned, week, new_subject=True):
                if shared is not None:
                    shared.update(values)
                return self.keep(week, planned, new_subject=True)
        return None

    def thread(self, t: float, week: _Week) -> int:
        script = self.rng.choice(self.material.threads)
        starter = self.someone(week)
        other = self.partner(starter)
        first = ChatterTemplateSpec(subject=script.subject, body=script.steps[0].body)
        picks: dict[str, str] = {}
        index = self.single(starter, other.address, first, t, week, shared=picks)
        if index is None:
            return 0
        sent, subject = 1, reply_subject(week.mail[index].subject)
        for step in script.steps[1:]:
            when = self.later(t, step.after)
            if when is None:
                break
            writer, reader = (starter, other) if step.by == "starter" else (other, starter)
            planned = None
            for _ in range(TRIES):
                values = self.step_values(picks, writer, reader, when)
                body = self.compose(writer, step.body, values)
                draw = Planned(
                    when, writer.address, [reader.address], subject, body, reply_to=index
                )
                if self.fresh(draw, week, new_subject=False):
                    planned = draw
                    break
            if planned is None:
                break
            index, t, sent = self.keep(week, planned, new_subject=False), when, sent + 1
        return sent

    def step_values(
        self, picks: dict[str, str], writer: _Person, reader: _Person, t: float
    ) -> dict[str, str]:
        """A reply's values: the thread's picks, with its own people and answers."""
        mine = self.values(writer, reader.address, t)
        fixed = set(mine) | {"answer", "thanks", "aside"}
        return mine | {k: v for k, v in picks.items() if k not in fixed}

    def meeting(self, t: float, week: _Week) -> int:
        spec = self.rng.choice(self.material.meetings)
        organiser = self.someone(week)
        guest = self.partner(organiser)
        invite = ChatterTemplateSpec(subject=spec.subject, body=spec.body)
        picks: dict[str, str] = {}
        index = self.single(organiser, guest.address, invite, t, week, shared=picks)
        if index is None:
            return 0
        if spec.update is None or (when := self.later(t, spec.update.after)) is None:
            return 1
        update = ChatterTemplateSpec(subject=spec.update.subject, body=spec.update.body)
        moved = self.single(organiser, guest.address, update, when, week, shared=None, given=picks)
        if moved is None:
            return 1
        week.mail[moved].reply_to = index
        return 2

    def notice(self, t: float, week: _Week) -> int:
        address, service = self.rng.choice(self.services)
        wanted = {d.casefold() for d in service.departments}
        audience = [p for p in self.people if p.department.casefold() in wanted]
        if service.everyone and (not audience or self.rng.random() < 0.5):
            audience = self.people
        if not audience:
            return 0
        reader = self.rng.choice(audience)
        robot = _Person(address, service.name, service.name, "", "", "", 0.0)
        found = self.single(
            robot, reader.address, self.rng.choice(service.notices), t, week, personal=False
        )
        if found is None:
            return 0
        gist = (reader.address, re.sub(r"[\d#]+", "", week.mail[found].subject))
        if gist in self.noticed:  # the same notice to the same person, another number
            week.mail.pop()
            week.received.pop()
            return 0
        self.noticed.add(gist)
        return 1

    def forward(self, t: float, week: _Week) -> int:
        earlier = [  # one forward per thread: "Fwd: Re: x" twice would open two threads
            i
            for i in week.received[-80:]
            if week.mail[i].t < t - 1800
            and i not in self.forwarded
            and self.mask(week.mail[i].subject) not in self.forwarded_subjects
        ]
        if not earlier:
            return 0
        index = self.rng.choice(earlier)
        holder = self.by_address[week.mail[index].to[0]]
        reader = self.partner(holder)
        for _ in range(TRIES):
            values = self.values(holder, reader.address, t)
            note = self.compose(holder, self.rng.choice(self.material.forwards), values)
            planned = Planned(t, holder.address, [reader.address], "", note, forward_of=index)
            if self.fresh(planned, week, new_subject=False):
                self.forwarded.add(index)
                self.forwarded_subjects.add(self.mask(week.mail[index].subject))
                self.keep(week, planned, new_subject=False)
                return 1
        return 0

    def one_off(self, template: ChatterTemplateSpec, t: float, week: _Week) -> int:
        sender = self.someone(week)
        to = self.partner(sender).address
        found = self.single(sender, to, template, t, week, personal=False)
        return 0 if found is None else 1

    def post(self, t: float, week: _Week) -> int:
        """A member's mail to one of the lists (posts or, failing those, one-off
        templates); a ``weekly`` post goes to a list at most once a week, always from
        the same member."""
        pool = self.material.posts or self.spec.templates
        if not self.lists or not pool:
            return 0
        address, _name, members = self.rng.choice(self.lists)
        template = self.rng.choice(pool)
        sender = self.by_address[self.rng.choice(members)]
        if template.weekly:
            week_number = self.calendar.at(t).isocalendar()[1]
            if (address, template.subject, week_number) in week.recurring:
                return 0
            regular = week.regulars.setdefault((address, template.subject), sender.address)
            sender = self.by_address[regular]
            if self.single(sender, address, template, t, week) is None:
                return 0
            week.recurring.add((address, template.subject, week_number))
            return 1
        return 0 if self.single(sender, address, template, t, week) is None else 1

    def plan(self) -> list[Planned]:
        """The whole week, in order of sending."""
        spec = self.spec
        slots = working_hours(self.calendar)
        if spec.per_day <= 0 or len(self.people) < 2 or not slots:
            return []
        budget = round(spec.per_day * len({int(t // 86400) for t, _ in slots}))
        week = _Week()
        sent = 0
        for t in self.moments(slots, budget + budget // 2 + 10):
            if sent >= budget:
                break
            if self.lists and self.rng.random() < spec.list_share:
                sent += self.post(t, week)
            else:
                sent += self.draw(self.rng.choices(KINDS, KIND_WEIGHT)[0], t, week)
        order = sorted(range(len(week.mail)), key=lambda i: week.mail[i].t)
        new = {old: k for k, old in enumerate(order)}
        mail = [week.mail[i] for i in order]
        for m in mail:
            m.reply_to = None if m.reply_to is None else new[m.reply_to]
            m.forward_of = None if m.forward_of is None else new[m.forward_of]
        return mail


def plan_week(scenario: Scenario, seed: int) -> list[Planned]:
    """Every routine message of ``scenario``'s run with ``seed``, in order of sending
    (``t`` in simulated seconds); the same for the same company and seed."""
    return Planner(scenario, seed).plan()
