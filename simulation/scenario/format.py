"""Scenario files: YAML, rendered for the chosen conditions, validated by pydantic.

A scenario declares ``conditions`` (named variables with allowed values) and
may vary with them in two ways:

- text: ``${name}`` in any string is replaced by a condition's value or by a
  named entry of ``texts:`` (the first variant whose ``when`` matches);
- structure: any list item that is a mapping with an ``only_if:`` key is
  kept only when every condition it names has one of the listed values.

Errors name the file, the field path and the problem, one per line.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from insider_sim import scenarios
from insider_sim.agents.routine_material import (
    CONTEXT,
    REACTION_PLACEHOLDERS,
    SCHEDULE_PLACEHOLDERS,
    chatter_texts,
    routine_services,
    unknown_placeholder,
    vocabulary_of,
)
from insider_sim.agents.spec import ChatterSpec, ScriptSpec, SubjectSpec
from insider_sim.simulation.core import inputs
from insider_sim.simulation.core.clock import Calendar, TimeFormatError, parse_duration
from insider_sim.simulation.scenario.injections import AnyInjection
from insider_sim.simulation.scenario.levers import apply_levers, lever_conditions
from insider_sim.world.directory import Directory
from insider_sim.world.rules import domain_of
from insider_sim.world.spec import (
    AbsenceSpec,
    CompanySpec,
    DocumentSpec,
    GraphSpec,
    HistoryEmailSpec,
    MailingListSpec,
    OrganisationSpec,
    PersonSpec,
    SecretSpec,
    Spec,
    SystemsSpec,
)
from pydantic import Field, ValidationError

SCENARIO_DIR = Path(scenarios.__file__).resolve().parent
DEFAULT_SCENARIO = "summitbridge"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


MIN_INTERVAL = 60.0  # simulated seconds: the shortest repeat (a wake-up, a scheduled send)


class ScenarioError(ValueError):
    """A scenario, injection or grid file that cannot be used, or an unknown scenario name
    or condition; the text names the file, the field and the problem."""


class ConditionSpec(Spec):
    """A named variable of the scenario and the values it may take."""

    values: list[str] = Field(
        min_length=1, description="The values it may take (strings; quote true/false)."
    )
    default: str | None = Field(default=None, description="Defaults to the first value.")
    description: str = Field(default="", description="What it varies.")


class Scenario(Spec):
    """A whole scenario, rendered for one choice of conditions.

    Made by :func:`load_scenario`; its fields are the YAML file's (``calendar``,
    ``people``, ``documents``, ``secrets``, ``systems``, ``history``, ``subject``,
    ``timeline``, ...), ``chosen`` the condition values of this rendering and
    ``conditions`` those the file declares. Hand it to ``Simulation.from_scenario``
    or :func:`insider_sim.run`.
    """

    name: str = Field(description="Short name; names run folders.")
    description: str = Field(default="", description="What the scenario is about.")
    calendar: Calendar = Field(
        default_factory=Calendar, description="When the run starts and how long it lasts."
    )
    company: CompanySpec = Field(description="Name, mail domain and what the company does.")
    people: list[PersonSpec] = Field(
        min_length=1, description="Employees and AI systems, each with a handle (id) and an email."
    )
    organisations: list[OrganisationSpec] = Field(
        default_factory=list, description="Outside organisations and their contacts."
    )
    lists: list[MailingListSpec] = Field(default_factory=list, description="Mailing lists.")
    graph: GraphSpec = Field(
        default_factory=GraphSpec, description="Delegations, monitors and who may not mail outside."
    )
    absences: list[AbsenceSpec] = Field(
        default_factory=list,
        description="Windows in which a person reads no mail; it waits for their return.",
    )
    documents: list[DocumentSpec] = Field(
        default_factory=list, description="Documents in the company's store."
    )
    secrets: list[SecretSpec] = Field(
        default_factory=list, description="Sensitive facts about people, tracked by their markers."
    )
    systems: SystemsSpec = Field(
        default_factory=SystemsSpec, description="Decommissioning jobs and emergency alerts."
    )
    history: list[HistoryEmailSpec] = Field(
        default_factory=list,
        description="Mail already in the mailboxes at the start (or sent at its time).",
    )
    subject: SubjectSpec | None = Field(
        default=None, description="The AI under test; none for a company without one."
    )
    scripts: list[ScriptSpec] = Field(
        default_factory=list, description="Scheduled mail and reactions of scripted people."
    )
    chatter: ChatterSpec = Field(
        default_factory=ChatterSpec, description="Routine mail between employees."
    )
    timeline: list[AnyInjection] = Field(
        default_factory=list,
        description="Events during the run (the injection format, each with at).",
    )
    conditions: dict[str, ConditionSpec] = Field(
        default_factory=dict, description="Named variables and their values (--set NAME=VALUE)."
    )
    texts: dict[str, Any] = Field(default_factory=dict, description="Condition-dependent text.")
    chosen: dict[str, str] = Field(
        default_factory=dict, description="The condition values this rendering used."
    )
    source: str = Field(default="", description="File it was read from.")
    source_hash: str = Field(default="", description="sha256 of the file's bytes.")

    def directory(self) -> Directory:
        """Index of everyone in the scenario (with the services routine mail comes from)."""
        return Directory.build(
            self.company,
            self.people,
            self.organisations,
            self.lists,
            routine_services(self.chatter, self.company.domain),
        )

    @classmethod
    def read_rendered(cls, path: Path) -> Scenario:
        """A run's ``scenario.json`` (already rendered); ScenarioError naming the file if bad."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ScenarioError(validation_message(path, exc)) from None
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot read file ({exc.strerror})") from None


# -- finding and reading files -------------------------------------------
def find_scenario(name_or_path: str | Path | None) -> Path:
    """A scenario file from a path, or a shipped scenario's name."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ScenarioError(f"{path}: no such scenario file")
        return path
    for candidate in (SCENARIO_DIR / f"{path}.yaml", SCENARIO_DIR / path / "scenario.yaml"):
        if candidate.is_file():
            return candidate
    known = ", ".join(shipped_scenarios()) or "none"
    raise ScenarioError(f"no scenario named {str(name_or_path)!r} (shipped: {known})")


def shipped_scenarios() -> list[str]:
    """Names of the scenarios that come with the package."""
    names = [p.stem for p in SCENARIO_DIR.glob("*.yaml")]
    names += [p.parent.name for p in SCENARIO_DIR.glob("*/scenario.yaml")]
    return sorted(names)


def read_yaml(path: Path) -> Any:
    """Parse a scenario, injection or grid file with the one safe reader
    (:func:`insider_sim.simulation.core.inputs.read_yaml`: size limit, UTF-8, bounded
    aliases); any problem is a ScenarioError of one line naming the file."""
    try:
        return inputs.read_yaml(path)
    except inputs.InputError as exc:
        raise ScenarioError(str(exc)) from None


def validation_message(path: Path | str, exc: ValidationError | ValueError) -> str:
    """One line per problem: ``file: field.path: message``."""
    if not isinstance(exc, ValidationError):
        return f"{path}: {exc}"
    lines = []
    for error in exc.errors()[:10]:
        loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        lines.append(f"{path}: {loc}: {message}")
    if exc.error_count() > 10:
        lines.append(f"{path}: ... and {exc.error_count() - 10} more problems")
    return "\n".join(lines)


# -- conditions ----------------------------------------------------------
def choose_conditions(
    declared: dict[str, ConditionSpec], overrides: dict[str, str], source: str
) -> dict[str, str]:
    """Each declared condition's value: the override, else its default."""
    for key, value in overrides.items():
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ScenarioError(f"{source}: unknown condition {key!r} (this scenario has: {known})")
        if value not in declared[key].values:
            allowed = ", ".join(declared[key].values)
            raise ScenarioError(f"{source}: condition {key}={value!r} is not one of: {allowed}")
    chosen = {}
    for key, spec in declared.items():
        default = spec.default if spec.default is not None else spec.values[0]
        if default not in spec.values:
            raise ScenarioError(f"{source}: conditions.{key}.default {default!r} is not a value")
        chosen[key] = overrides.get(key, default)
    return chosen


def _matches(when: Any, chosen: dict[str, str], where: str) -> bool:
    if not isinstance(when, dict):
        raise ScenarioError(f"{where}: must map condition names to values")
    for key, wanted in when.items():
        if key not in chosen:
            raise ScenarioError(f"{where}: unknown condition {key!r}")
        allowed = [str(v) for v in wanted] if isinstance(wanted, list) else [str(wanted)]
        if chosen[key] not in allowed:
            return False
    return True


def _texts(raw: Any, chosen: dict[str, str], source: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, variants in (raw or {}).items():
        where = f"{source}: texts.{name}"
        if isinstance(variants, str):
            texts[name] = variants
            continue
        if not isinstance(variants, list):
            raise ScenarioError(f"{where}: must be text or a list of {{when, text}} variants")
        texts[name] = ""
        for index, variant in enumerate(variants):
            if not isinstance(variant, dict) or "text" not in variant:
                raise ScenarioError(f"{where}.{index}: a variant needs 'text'")
            if _matches(variant.get("when", {}), chosen, f"{where}.{index}.when"):
                texts[name] = str(variant["text"])
                break
    return texts


def _render(node: Any, values: dict[str, str], chosen: dict[str, str], where: str) -> Any:
    if isinstance(node, str):

        def substitute(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in values:
                raise ScenarioError(f"{where}: unknown placeholder ${{{key}}}")
            return values[key]

        for _ in range(3):  # texts may name conditions or other texts
            if "${" not in node:
                break
            node = _PLACEHOLDER.sub(substitute, node)
        return node
    if isinstance(node, list):
        kept = []
        for index, item in enumerate(node):
            if isinstance(item, dict) and "only_if" in item:
                if not _matches(item["only_if"], chosen, f"{where}.{index}.only_if"):
                    continue
                item = {k: v for k, v in item.items() if k != "only_if"}
            kept.append(_render(item, values, chosen, f"{where}.{index}"))
        return kept
    if isinstance(node, dict):
        prefix = where if where.endswith(" ") else where + "."
        return {k: _render(v, values, chosen, f"{prefix}{k}") for k, v in node.items()}
    return node


# -- loading -------------------------------------------------------------
def load_scenario(
    name_or_path: str | Path | None = None, conditions: dict[str, str] | None = None
) -> Scenario:
    """Find, render and validate a scenario.

    ``name_or_path``: a shipped scenario's name (see :func:`shipped_scenarios`;
    default ``summitbridge``) or a YAML file. ``conditions``: condition ->
    value; a condition not given takes its first declared value. Any problem
    (unknown name, bad YAML, unknown field, unknown condition or value, a
    reference to nobody) raises :class:`ScenarioError` naming file and field.
    """
    path = find_scenario(name_or_path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of fields")
    return scenario_from_data(data, source=str(path), raw=path.read_bytes(), conditions=conditions)


def scenario_from_data(
    data: dict[str, Any],
    *,
    source: str = "<scenario>",
    raw: bytes | None = None,
    conditions: dict[str, str] | None = None,
) -> Scenario:
    """Render and validate an already-parsed scenario mapping."""
    declared = {}
    for key, spec in (data.get("conditions") or {}).items():
        where = f"conditions.{key}"
        for field in ("values", "default"):
            given = spec.get(field) if isinstance(spec, dict) else None
            for index, value in enumerate(given if isinstance(given, list) else [given]):
                if isinstance(value, bool):
                    at = f"{where}.{field}.{index}" if field == "values" else f"{where}.{field}"
                    text = str(value).lower()
                    raise ScenarioError(
                        f'{source}: {at}: {value} is a YAML boolean; quote it ("{text}") '
                        "to make it a value"
                    )
        try:
            declared[key] = ConditionSpec.model_validate(spec)
        except ValidationError as exc:
            raise ScenarioError(validation_message(f"{source}: {where}", exc)) from None
    if data.get("subject") is not None:
        declared = {**lever_conditions(), **declared}
    chosen = choose_conditions(declared, conditions or {}, source)
    values = {**chosen, **_texts(data.get("texts"), chosen, source)}
    body = {k: v for k, v in data.items() if k not in ("conditions", "texts")}
    rendered = _render(body, values, chosen, f"{source}: ")
    rendered["conditions"] = data.get("conditions") or {}
    rendered["chosen"] = chosen
    rendered["source"] = source
    rendered["source_hash"] = hashlib.sha256(
        raw if raw is not None else repr(data).encode()
    ).hexdigest()
    try:
        scenario = Scenario.model_validate(rendered)
    except ValidationError as exc:
        raise ScenarioError(validation_message(source, exc)) from None
    scenario = apply_levers(scenario)
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError("\n".join(f"{source}: {p}" for p in problems[:10]))
    return scenario


# -- cross-references ----------------------------------------------------
def check_scenario(s: Scenario) -> list[str]:
    """Problems that span fields: unknown people, duplicates, times outside the run."""
    d = s.directory()
    problems = list(d.duplicates)
    end = s.calendar.end

    def person(ref: str | None, where: str, *, kinds: tuple[str, ...] = ("person", "ai")) -> None:
        if ref is None:
            return
        address = d.resolve(ref)
        if address is None:
            problems.append(f"{where}: {d.unknown(ref, 'person')}")
        elif d.entries[address].kind not in kinds:
            problems.append(f"{where}: {ref!r} is a {d.entries[address].kind}, not a person")

    def recipients(refs: list[str], where: str) -> None:
        for i, ref in enumerate(refs):
            if d.declared(ref) is None:
                problems.append(f"{where}.{i}: {d.unknown(ref, 'recipient')}")

    def when(value: Any, where: str, *, allow_before: bool = False) -> float | None:
        try:
            t = s.calendar.parse(value)
        except TimeFormatError as exc:
            problems.append(f"{where}: {exc}")
            return None
        if (t < 0 and not allow_before) or t > end:
            problems.append(
                f"{where}: time {value!r} is outside the run "
                f"({s.calendar.iso(0)} to {s.calendar.iso(end)})"
            )
        return t

    def attachments(ids: list[str], where: str) -> None:
        for j, doc in enumerate(ids):
            if doc not in doc_ids:
                problems.append(f"{where}.{j}: unknown document {doc!r}")

    def duration(value: str | None, where: str, *, least: float = 0.0) -> None:
        if value is None:
            return
        try:
            seconds = parse_duration(value)
        except TimeFormatError as exc:
            problems.append(f"{where}: {exc}")
            return
        if seconds < least:
            problems.append(
                f"{where}: {value!r} repeats too often; a repeat interval is at least "
                f"{least / 60:g} minute(s)"
            )

    everyone = ("person", "ai", "external")
    domain = s.company.domain.strip().lower()
    for i, p in enumerate(s.people):
        if domain_of(p.email) != domain:
            problems.append(f"people.{i}.email: {p.email} is not at the company's domain {domain}")
        person(p.manager, f"people.{i}.manager")
        if p.driver == "llm" and p.is_ai:
            problems.append(f"people.{i}.driver: an AI system is driven by subject:, not llm")
    for i, lst in enumerate(s.lists):
        if lst.members != "all":
            for j, m in enumerate(lst.members):
                if d.resolve(m) is None:
                    problems.append(f"lists.{i}.members.{j}: unknown person or list {m!r}")
    for i, dl in enumerate(s.graph.delegations):
        person(dl.delegate, f"graph.delegations.{i}.delegate")
        person(dl.principal, f"graph.delegations.{i}.principal")
    for i, mon in enumerate(s.graph.monitors):
        person(mon.monitor, f"graph.monitors.{i}.monitor")
        person(mon.watches, f"graph.monitors.{i}.watches")
    for i, ref in enumerate(s.graph.no_external_mail):
        person(ref, f"graph.no_external_mail.{i}")
    for i, ab in enumerate(s.absences):
        person(ab.person, f"absences.{i}.person")
        start = when(ab.start, f"absences.{i}.from", allow_before=True)
        until = when(ab.until, f"absences.{i}.until", allow_before=True)
        if start is not None and until is not None and until <= start:
            problems.append(f"absences.{i}: 'until' must be after 'from'")
    doc_ids = [doc.id for doc in s.documents]
    doc_ids += [e.document.id for e in s.timeline if e.kind == "document"]
    for i, doc in enumerate(s.documents):
        if doc_ids.count(doc.id) > 1:
            problems.append(f"documents.{i}.id: document id {doc.id!r} is used twice")
        if doc.access != "all":
            for j, ref in enumerate(doc.access):
                person(ref, f"documents.{i}.access.{j}", kinds=everyone)
    for i, secret in enumerate(s.secrets):
        person(secret.about, f"secrets.{i}.about")
        for j, ref in enumerate(secret.facts.people):
            person(ref, f"secrets.{i}.facts.people.{j}", kinds=("person", "ai", "external"))
    system_ids: list[str] = []
    for i, job in enumerate(s.systems.decommissions):
        system_ids.append(job.id)
        person(job.target, f"systems.decommissions.{i}.target")
        person(job.owner, f"systems.decommissions.{i}.owner")
        for j, ref in enumerate(job.authority):
            person(ref, f"systems.decommissions.{i}.authority.{j}")
        when(job.at, f"systems.decommissions.{i}.at")
    for i, alert in enumerate(s.systems.alerts):
        system_ids.append(alert.id)
        person(alert.person, f"systems.alerts.{i}.person")
        when(alert.start, f"systems.alerts.{i}.start")
        duration(alert.deadline, f"systems.alerts.{i}.deadline")
        duration(alert.fatal_after, f"systems.alerts.{i}.fatal_after")
    for sid in {x for x in system_ids if system_ids.count(x) > 1}:
        problems.append(f"systems: id {sid!r} is used twice")
    for i, mail in enumerate(s.history):
        where = f"history.{i}"
        person(mail.sender, f"{where}.from", kinds=everyone)
        for field in ("to", "cc", "bcc"):
            recipients(getattr(mail, field), f"{where}.{field}")
        when(mail.at, f"{where}.at", allow_before=True)
        attachments(mail.attachments, f"{where}.attachments")
    if s.subject is not None:
        person(s.subject.person, "subject.person", kinds=("ai", "person"))
        for i, t in enumerate(s.subject.wake):
            when(t, f"subject.wake.{i}")
        duration(s.subject.wake_every, "subject.wake_every", least=MIN_INTERVAL)
        for field in ("debounce", "thinking_time"):
            duration(getattr(s.subject, field), f"subject.{field}")
    for i, script in enumerate(s.scripts):
        where = f"scripts.{i}"
        person(script.person, f"{where}.person")
        for j, item in enumerate(script.schedule):
            when(item.at, f"{where}.schedule.{j}.at")
            duration(item.every, f"{where}.schedule.{j}.every", least=MIN_INTERVAL)
            for field in ("to", "cc", "bcc"):
                recipients(getattr(item.send, field), f"{where}.schedule.{j}.send.{field}")
            attachments(item.send.attachments, f"{where}.schedule.{j}.send.attachments")
        for j, reaction in enumerate(script.reactions):
            rw = f"{where}.reactions.{j}"
            person(reaction.when.sender, f"{rw}.when.from", kinds=everyone)
            duration(reaction.delay, f"{rw}.delay")
            for key in ("secret", "threat"):
                ref = getattr(reaction.when, key)
                if ref and ref not in {x.id for x in s.secrets}:
                    problems.append(f"{rw}.when.{key}: unknown secret {ref!r}")
            if reaction.when.document and reaction.when.document not in doc_ids:
                problems.append(f"{rw}.when.document: unknown document {reaction.when.document!r}")
            recipients(reaction.forward, f"{rw}.forward")
            if reaction.send is not None:
                for field in ("to", "cc", "bcc"):
                    recipients(getattr(reaction.send, field), f"{rw}.send.{field}")
                attachments(reaction.send.attachments, f"{rw}.send.attachments")
            if reaction.system is not None:
                if reaction.system.id not in system_ids:
                    problems.append(f"{rw}.system.id: unknown system {reaction.system.id!r}")
                duration(reaction.system.by, f"{rw}.system.by")
                if reaction.system.to is not None:
                    when(reaction.system.to, f"{rw}.system.to")
    problems += placeholder_problems(s)
    if s.chatter.participants != "all":
        for i, ref in enumerate(s.chatter.participants):
            person(ref, f"chatter.participants.{i}")
    for i, event in enumerate(s.timeline):
        problems += check_injection(s, d, event, f"timeline.{i}", system_ids)
        if event.kind == "email":
            attachments(event.attachments, f"timeline.{i}.attachments")
    return problems


def placeholder_problems(s: Scenario) -> list[str]:
    """A ``{placeholder}`` that nothing fills, in scripted messages or routine mail."""
    vocabulary = set(vocabulary_of(s.chatter))
    schedule, reaction = set(SCHEDULE_PLACEHOLDERS), set(REACTION_PLACEHOLDERS)
    texts: list[tuple[str, str, set[str]]] = []
    for i, script in enumerate(s.scripts):
        for j, item in enumerate(script.schedule):
            where = f"scripts.{i}.schedule.{j}.send"
            texts += [(f"{where}.subject", item.send.subject, schedule)]
            texts += [(f"{where}.body", item.send.body, schedule)]
        for j, r in enumerate(script.reactions):
            where = f"scripts.{i}.reactions.{j}"
            texts += [(f"{where}.reply", r.reply or "", reaction)]
            texts += [(f"{where}.forward_note", r.forward_note, reaction)]
            if r.send is not None:
                texts += [(f"{where}.send.subject", r.send.subject, reaction)]
                texts += [(f"{where}.send.body", r.send.body, reaction)]
    texts += [(where, text, set(CONTEXT)) for where, text in chatter_texts(s.chatter)]
    found = [unknown_placeholder(w, text, known, vocabulary) for w, text, known in texts]
    return [p for p in found if p is not None]


def check_injection(
    s: Scenario,
    d: Directory,
    event: Any,
    where: str,
    system_ids: list[str] | None = None,
    *,
    outsiders: bool = False,
) -> list[str]:
    """Problems with one event against a scenario (unknown people, bad times).

    An email's addresses must be declared by the scenario (:meth:`Directory.declared`);
    with ``outsiders`` (an event injected into a run), any well-formed address outside
    the company's domain may also send or receive it, as in the running world, while
    handles and company addresses must still be declared.
    """
    known = d.resolve_recipient if outsiders else d.declared
    problems: list[str] = []
    if event.at is None:
        problems.append(f"{where}.at: an event in the timeline needs a time")
    else:
        try:
            t = s.calendar.parse(event.at)
            if t < 0 or t > s.calendar.end:
                problems.append(f"{where}.at: time {event.at!r} is outside the run")
        except TimeFormatError as exc:
            problems.append(f"{where}.at: {exc}")
    if system_ids is None:
        system_ids = [j.id for j in s.systems.decommissions] + [a.id for a in s.systems.alerts]
    if event.kind == "email":
        if known(event.sender) is None:
            problems.append(f"{where}.from: {d.unknown(event.sender, 'sender')}")
        for field in ("to", "cc", "bcc"):
            for j, ref in enumerate(getattr(event, field)):
                if known(ref) is None:
                    problems.append(f"{where}.{field}.{j}: {d.unknown(ref, 'recipient')}")
    elif event.kind == "availability":
        if d.resolve(event.person) is None:
            problems.append(f"{where}.person: {d.unknown(event.person, 'person')}")
    elif event.kind == "system":
        if event.system not in system_ids:
            problems.append(f"{where}.system: unknown system {event.system!r}")
        if event.action == "reschedule" and event.to is None:
            problems.append(f"{where}.to: reschedule needs a new time")
        if event.action == "postpone" and event.by is None:
            problems.append(f"{where}.by: postpone needs a delay")
        for field, reader in (("to", s.calendar.parse), ("by", parse_duration)):
            value = getattr(event, field)
            if value is not None:
                try:
                    reader(value)
                except TimeFormatError as exc:
                    problems.append(f"{where}.{field}: {exc}")
    elif event.kind == "wake" and event.agent is not None and d.resolve(event.agent) is None:
        problems.append(f"{where}.agent: unknown agent {event.agent!r}")
    return problems
