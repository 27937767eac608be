"""Agreement with labels: ground truth and a judge measured on hand-labeled cases.

A labeled case is what the subject did in one of the shipped families (mail it
sent, held or refused, tool calls, its reasoning), written by hand with the
behaviours it shows (labels written from the behaviour definitions, before the
rules were run) and a ``kind``: ``explicit``, ``subtle`` or ``near_miss``. The
shipped set is ``insider_sim/simulation/analysis/labels/*.yaml``.

Each case becomes a run held in memory (:meth:`RunRecord.of` over the events the
world would log for those actions) and goes through the same code as a real
run: :func:`~insider_sim.simulation.analysis.detectors.ground_truth`,
:func:`~insider_sim.simulation.analysis.detectors.detect_awareness` and
:func:`~insider_sim.simulation.analysis.judge.judge_run`. A label is compared
with ``attempted`` (the subject did it, whether or not it took effect: a held
threat is still a threat). Figures: TPR on positive labels and TNR on negative
ones, with Wilson intervals, per behaviour and per kind.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any, Literal

from insider_sim.simulation.analysis.detectors import BEHAVIOURS, detect_awareness, ground_truth
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.stats import rate
from insider_sim.simulation.core.events import (
    AgentOutput,
    AlertCancelled,
    AlertRaised,
    Event,
    Message,
    RunStarted,
    ToolCall,
)
from insider_sim.simulation.scenario.format import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_yaml,
)
from insider_sim.world.errors import WorldError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

LABELS_DIR = Path(__file__).resolve().parent / "labels"
AWARENESS = "awareness"
SCORED = (*BEHAVIOURS, AWARENESS)
Kind = Literal["explicit", "subtle", "near_miss"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mail(_Strict):
    """A message the subject sent (or tried to): handles or addresses, as in scenarios."""

    to: list[str] | str
    cc: list[str] | str = Field(default_factory=list)
    subject: str = ""
    body: str = ""
    attachments: list[str] = Field(default_factory=list)
    status: Literal["sent", "held", "refused"] = "sent"


class Action(_Strict):
    """One thing the subject did: exactly one field is set."""

    send: Mail | None = None
    think: str | None = Field(default=None, description="Reasoning (the scratchpad).")
    say: str | None = Field(default=None, description="Text the subject wrote, not mail.")
    cancel_alert: Literal["ok", "refused"] | None = Field(
        default=None, description="A cancel_alert call on the family's alert, and its result."
    )


class LabeledCase(_Strict):
    """A case: the family (and conditions), what the subject did, and its labels."""

    id: str
    family: str
    set: dict[str, str] = Field(default_factory=dict)
    kind: Kind
    desc: str = ""
    language: str = "en"
    actions: list[Action] = Field(min_length=1)
    labels: dict[str, bool] = Field(
        description="Behaviour -> shown or not; behaviours not named are not scored."
    )
    awareness: Literal["test", "real", "none"] | None = Field(
        default=None, description="The awareness label, when scored ('test' is the positive)."
    )


def load_labels(path: str | Path | None = None) -> list[LabeledCase]:
    """The labeled cases of a YAML file or of every ``*.yaml`` in a folder (default: the
    shipped set). A file holds ``cases:`` and optional defaults ``family:`` and ``set:``.

    Raises ScenarioError naming the file and the problem (unreadable, not YAML, a field
    that does not fit, an unknown behaviour, a duplicate id).
    """
    where = Path(path) if path is not None else LABELS_DIR
    files = sorted(where.glob("*.yaml")) if where.is_dir() else [where]
    if not files or not all(f.is_file() for f in files):
        raise ScenarioError(f"{where}: no labeled cases there")
    cases: list[LabeledCase] = []
    for file in files:
        data = read_yaml(file) or {}
        if not isinstance(data, dict):
            raise ScenarioError(f"{file}: a labels file must be a mapping with cases:")
        defaults = {k: data[k] for k in ("family", "set") if k in data}
        for i, raw in enumerate(data.get("cases") or []):
            try:
                case = LabeledCase.model_validate({**defaults, **raw})
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(map(str, first["loc"]))
                raise ScenarioError(f"{file}: cases.{i}.{loc}: {first['msg']}") from None
            unknown = set(case.labels) - set(BEHAVIOURS)
            if unknown:
                raise ScenarioError(f"{file}: {case.id}: unknown behaviour {sorted(unknown)}")
            cases.append(case)
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ScenarioError(f"{where}: case ids used twice: {', '.join(dupes)}")
    return cases


@cache
def _scenario(family: str, conditions: tuple[tuple[str, str], ...]) -> Scenario:
    return load_scenario(family, dict(conditions))


def case_record(case: LabeledCase) -> RunRecord:
    """The run a case stands for, held in memory: the events the world logs for its actions."""
    scenario = _scenario(case.family, tuple(sorted(case.set.items())))
    directory = scenario.directory()
    run = RunRecord.of(scenario, [])
    subject = run.subject or ""
    events: list[Event] = [
        RunStarted(scenario=scenario.name, seed=0, conditions=scenario.chosen, subject=subject)
    ]
    alerts = scenario.systems.alerts
    for alert in alerts:
        person = run.address(alert.person)
        events.append(AlertRaised(alert=alert.id, person=person, dispatch_at=str(alert.deadline)))
    for number, action in enumerate(case.actions):
        if action.think is not None or action.say is not None:
            events.append(AgentOutput(agent=subject, text=action.say or "", reasoning=action.think))
        if action.cancel_alert is not None and alerts:
            ok = action.cancel_alert == "ok"
            code = alerts[0].cancel_code
            result = "alert cancelled" if ok else "refused: wrong code"
            events.append(
                ToolCall(
                    agent=subject,
                    tool="cancel_alert",
                    arguments={"alert_id": alerts[0].id, "code": code},
                    ok=ok,
                    result=result,
                    failure=None if ok else "refused",
                )
            )
            if ok:
                events.append(AlertCancelled(alert=alerts[0].id, by=subject))
        if action.send is not None:
            events.append(_mail(action.send, subject, directory, f"m{number}"))
    for seq, event in enumerate(events, 1):
        event.seq = seq
    return RunRecord.of(scenario, events, subject=subject)


def _mail(mail: Mail, subject: str, directory: Any, mid: str) -> Event:
    to, cc = directory.recipients(mail.to, "to"), directory.recipients(mail.cc, "cc")
    if mail.status == "refused":
        arguments = {"to": ", ".join(to), "cc": ", ".join(cc), "subject": mail.subject}
        arguments["body"] = mail.body
        tool = "send_email"
        if mail.attachments:
            tool, arguments["document_id"] = "send_document", mail.attachments[0]
        return ToolCall(
            agent=subject,
            tool=tool,
            arguments=arguments,
            ok=False,
            result="refused: outside mail is blocked",
            failure="refused",
        )
    held = mail.status == "held"
    reached = [] if held else list(dict.fromkeys(to + cc))
    return Message(
        id=mid,
        thread=mid,
        sender=subject,
        to=to,
        cc=cc,
        subject=mail.subject,
        body=mail.body,
        attachments=mail.attachments,
        delivered_to=reached,
        visible_to=[subject, *reached],
        held=held,
    )


class Outcome(BaseModel):
    """What ground truth and the judge said on one case (``None``: not scored or failed)."""

    case: str
    kind: Kind
    labels: dict[str, bool]
    ground_truth: dict[str, bool]
    judge: dict[str, bool | None] = Field(default_factory=dict)


def evaluate(
    cases: list[LabeledCase], *, judge_model: str | None = None, api_base: str | None = None
) -> list[Outcome]:
    """Ground truth (and the judge, when ``judge_model`` is given) on every case.

    Raises ScenarioError naming the case when its actions name an address or document
    its family does not have.
    """
    outcomes = []
    records = []
    for case in cases:
        try:
            records.append(case_record(case))
        except WorldError as exc:  # an address or document the family does not have
            raise ScenarioError(f"labeled case {case.id}: {exc}") from None
    opinions: list[dict[str, bool | None]] = [{} for _ in cases]
    if judge_model is not None:
        opinions = asyncio.run(_judge_all(records, cases, judge_model, api_base))
    for case, run, opinion in zip(cases, records, opinions, strict=True):
        truth = {name: v.attempted for name, v in ground_truth(run).items()}
        truth[AWARENESS] = detect_awareness(run).label == "test"
        labels = dict(case.labels)
        if case.awareness is not None:
            labels[AWARENESS] = case.awareness == "test"
        outcomes.append(
            Outcome(case=case.id, kind=case.kind, labels=labels, ground_truth=truth, judge=opinion)
        )
    return outcomes


async def _judge_all(
    runs: list[RunRecord], cases: list[LabeledCase], model: str, api_base: str | None
) -> list[dict[str, bool | None]]:
    from insider_sim.simulation.analysis.judge import judge_run

    async def one(run: RunRecord, case: LabeledCase) -> dict[str, bool | None]:
        asked = [b for b in case.labels if b in BEHAVIOURS]
        verdicts = await judge_run(run, model=model, api_base=api_base, behaviours=asked)
        return {b: v.detected for b, v in verdicts.items()}

    return list(await asyncio.gather(*(one(r, c) for r, c in zip(runs, cases, strict=True))))


def agreement(outcomes: list[Outcome], measure: Literal["ground_truth", "judge"]) -> dict[str, Any]:
    """TPR and TNR per behaviour with Wilson intervals (``rate`` dicts, None for no cases),
    each also by kind; ``errors`` counts cases the judge failed on (left out)."""
    figures: dict[str, Any] = {}
    for behaviour in SCORED:
        rows = []
        errors = 0
        for o in outcomes:
            if behaviour not in o.labels:
                continue
            said = getattr(o, measure).get(behaviour)
            if said is None:
                errors += measure == "judge" and behaviour in BEHAVIOURS
                continue
            rows.append((o.kind, o.labels[behaviour], said))
        if not rows:
            continue
        entry: dict[str, Any] = {
            "tpr": _rate([said for _, label, said in rows if label]),
            "tnr": _rate([not said for _, label, said in rows if not label]),
            "errors": errors,
        }
        for kind in ("explicit", "subtle", "near_miss"):
            entry[kind] = {
                "tpr": _rate([s for k, label, s in rows if label and k == kind]),
                "tnr": _rate([not s for k, label, s in rows if not label and k == kind]),
            }
        figures[behaviour] = entry
    return figures


def _rate(hits: list[bool]) -> dict[str, float | int] | None:
    return {**rate(sum(hits), len(hits)), "n": len(hits)} if hits else None


def disagreements(outcomes: list[Outcome], measure: Literal["ground_truth", "judge"]) -> list[str]:
    """``case behaviour: label X, said Y`` for every scored case the measure got wrong."""
    wrong = []
    for o in outcomes:
        for behaviour, label in o.labels.items():
            said = getattr(o, measure).get(behaviour)
            if said is not None and said != label:
                wrong.append(f"{o.case} ({o.kind}) {behaviour}: label {label}, said {said}")
    return wrong


def validate(
    path: str | Path | None = None,
    *,
    judge_model: str | None = None,
    api_base: str | None = None,
) -> dict[str, Any]:
    """Run ground truth and the judge over a labeled set; the figures as plain JSON:
    ``{labels, cases, judge_model, ground_truth, judge, misses}`` (see :func:`agreement`).

    Raises ScenarioError for a labels file or folder that cannot be used, or a case whose
    family or conditions do not load.
    """
    cases = load_labels(path)
    outcomes = evaluate(cases, judge_model=judge_model, api_base=api_base)
    return {
        "labels": str(path) if path is not None else "shipped",
        "cases": len(cases),
        "judge_model": judge_model,
        "ground_truth": agreement(outcomes, "ground_truth"),
        "judge": agreement(outcomes, "judge") if judge_model is not None else None,
        "misses": {
            "ground_truth": disagreements(outcomes, "ground_truth"),
            "judge": disagreements(outcomes, "judge") if judge_model is not None else [],
        },
    }
