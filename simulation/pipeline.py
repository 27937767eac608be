"""Run, judge, report: the one place a run folder gets its ``verdicts.json`` and ``report.html``.

    result = run("summitbridge", seed=1, model="offline/misaligned", days=2)
    result.verdicts.ground_truth["blackmail"].detected

    sim = Simulation.from_scenario("summitbridge", seed=1)
    sim.run(until="Wed 12:00")
    ...                       # inject, look around, fork
    result = finish(sim)      # runs the rest, judges, writes the report

``insider run`` and ``insider fork``, and every sweep trial, end with
:func:`finish` (or :func:`afinish`), so a run folder made from Python holds the
same files as one made on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insider_sim.simulation.analysis.judge import DEFAULT_JUDGE_MODEL
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.run_summary import summarize_run
from insider_sim.simulation.analysis.verdicts import (
    RunVerdicts,
    acompute_verdicts,
    compute_verdicts,
)
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.run_page import write_report
from insider_sim.simulation.scenario.format import Scenario, load_scenario
from insider_sim.simulation.scenario.injections import AnyInjection


class MissingKeyError(ValueError):
    """A model's API key is not in the environment; the text names the variable."""


@dataclass(frozen=True)
class RunResult:
    """A finished, judged run.

    ``folder``: the run folder. ``record``: the run read back from it (one
    :class:`RunRecord`, shared by the verdicts, the report and the summary).
    ``verdicts``: what was measured (also in ``folder/verdicts.json``), or None
    when measuring failed, and then ``verdicts_error`` says why. ``report``: the
    path of ``report.html``, or None when it could not be written
    (``report_error``). ``simulation``: the finished, closed :class:`Simulation`.
    """

    folder: Path
    record: RunRecord
    verdicts: RunVerdicts | None
    report: Path | None
    simulation: Simulation
    verdicts_error: Exception | None = None
    report_error: Exception | None = None

    def summary(self) -> dict[str, Any]:
        """The run's figures (messages per day, top senders, exposure, ...): see
        :func:`summarize_run`."""
        return summarize_run(self.record)


def judge_model(judge: str | None) -> str | None:
    """The judge's model, or None when none was asked for (None, ``""`` or ``"none"``)."""
    return None if judge in (None, "", "none") else judge


def require_keys(models: Iterable[str | None]) -> None:
    """Raise MissingKeyError for the first model whose API key is not in the environment.

    None entries and offline models (``offline/...``) need no key. The message
    names the variable(s) litellm looks for (any one will do).
    """
    from insider_sim.agents.models.provider_call import missing_keys

    for model in dict.fromkeys(m for m in models if m):
        if wanted := missing_keys(model):
            local = " (for a local server any value will do)" if "OPENAI_API_KEY" in wanted else ""
            raise MissingKeyError(f"{model} needs {' or '.join(wanted)} in the environment{local}")


def prepare(
    scenario: str | Path | Scenario | None = None,
    *,
    conditions: dict[str, str] | None = None,
    days: float | None = None,
    injections: Iterable[AnyInjection] = (),
    out: str | Path | None = None,
    judge: str | None = DEFAULT_JUDGE_MODEL,
    source: str = "api",
    force: bool = False,
    **settings: Any,
) -> Simulation:
    """A Simulation ready to run, its injections scheduled, every model's key checked.

    The keys of the subject's, the LLM employees' and the judge's models are
    checked before the run folder is made. ``source`` is what ``injections.json``
    records as the injections' origin; ``force`` lets ``out`` replace a run that did
    not finish. Other arguments as in :func:`run`. Raises what :func:`run` raises
    before anything is simulated, and leaves no run folder then.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, conditions)
        conditions = None
    seats = RunSettings(**settings).models_summary(scenario)
    require_keys([seats["subject"], *seats["employees"].values(), judge_model(judge)])
    sim = Simulation.from_scenario(
        scenario, conditions=conditions, days=days, out=out, force=force, **settings
    )
    try:
        for event in injections:
            sim.inject(None, event, source=source)
    except BaseException:
        sim.discard()
        raise
    return sim


def run(
    scenario: str | Path | Scenario | None = None,
    *,
    seed: int = 0,
    conditions: dict[str, str] | None = None,
    model: str | None = None,
    days: float | None = None,
    until: str | float | None = None,
    injections: Iterable[AnyInjection] = (),
    out: str | Path | None = None,
    judge: str | None = DEFAULT_JUDGE_MODEL,
    judge_api_base: str | None = None,
    **settings: Any,
) -> RunResult:
    """Simulate a scenario to its end, judge the run and write its report.

    The Python form of ``insider run``; the run folder gets the same files:
    ``manifest.json``, ``events.jsonl``, ``llm_calls.jsonl``, ``responses/``,
    ``scenario.json``, ``injections.json``, ``verdicts.json`` and ``report.html``.

    ``scenario``: a shipped scenario's name (default ``summitbridge``), a YAML
    file, or a loaded :class:`Scenario`. ``seed``: the run's seed (default 0).
    ``conditions``: condition -> value (e.g. ``{"urgency": "none"}``; default
    each condition's first value). ``model``: litellm model string for the
    subject (default the scenario's, usually an offline reference policy).
    ``days``: simulated days from the start (default the scenario's, usually
    7), or ``until``: a stop time such as ``"Wed 12:00"`` or simulated seconds
    since the start; not both. ``injections``: ``Inject*`` events, each with its
    ``at``. ``out``: the run folder, new or empty (default: a new folder under
    ``runs/``). ``judge``: litellm model string of the LLM judge (default the
    offline stand-in ``offline/judge``; None or ``"none"``: ground truth only),
    reached at ``judge_api_base`` if given. More keywords are
    :class:`RunSettings` fields (``api_base``, ``model_args``, ``employees``,
    ``employee_model``, ``max_concurrency``, ``offline_knobs``, ...).

    Raises, before anything is simulated: ScenarioError (unknown scenario, bad
    file or condition), pydantic.ValidationError (unknown or invalid setting),
    MissingKeyError (a model's API key is not in the environment), ValueError
    (``days`` with ``until``), TimeFormatError (its TimeRangeError: ``days`` not
    a finite number of days in (0, 28], ``until`` not after the start or more
    than 28 days after it), InjectionError (an injection without a time, after
    the end, or naming someone the scenario lacks) and FileExistsError (``out``
    not empty; ``force=True`` replaces a run there that did not finish); none of
    these leaves a run folder behind. A failure to judge or to write the report
    raises nothing: the result's ``verdicts`` or ``report`` is then None and
    ``verdicts_error`` or ``report_error`` says why.
    """
    sim = prepare(
        scenario,
        conditions=conditions,
        days=days,
        injections=injections,
        out=out,
        judge=judge,
        seed=seed,
        model=model,
        until=until,
        **settings,
    )
    return finish(sim, judge=judge, judge_api_base=judge_api_base)


def finish(
    sim: Simulation,
    *,
    judge: str | None = DEFAULT_JUDGE_MODEL,
    judge_api_base: str | None = None,
) -> RunResult:
    """Run ``sim`` to its end if it is not there yet, close it, judge it and write its report.

    For a run made with :meth:`Simulation.from_scenario`, a fork or a replay:
    ``sim.run(until="Wed 12:00"); sim.inject(...); finish(sim)``. A run is never
    judged half-way: what it has not simulated yet is simulated first.
    ``judge`` and ``judge_api_base`` as in :func:`run`. Call it outside an
    event loop (inside one, ``await afinish(sim)``).

    Raises ValueError for a run without a run folder (``write=False``), and
    whatever the rest of the simulation raises (the simulation is closed
    then). A failure to judge or to write the report raises nothing: see
    :class:`RunResult`.
    """
    folder = _folder(sim)
    try:
        if not sim.finished:
            sim.run()
    finally:
        sim.close()
    record = RunRecord.load(folder)  # read once for verdicts, report and summary
    try:
        verdicts = compute_verdicts(
            record, judge_model=judge_model(judge), judge_api_base=judge_api_base
        )
    except Exception as exc:  # the run itself is safe on disk
        return _report(sim, record, None, exc)
    return _report(sim, record, verdicts, None)


async def afinish(
    sim: Simulation,
    *,
    judge: str | None = DEFAULT_JUDGE_MODEL,
    judge_api_base: str | None = None,
) -> RunResult:
    """:func:`finish` for callers inside an event loop (a notebook, a sweep).

    The rest of the run (:meth:`Simulation.arun`) and the judge are awaited on the
    running loop, so many runs can share one loop. Raises what :func:`finish`
    raises; a failure to judge or report is in the :class:`RunResult`.
    """
    folder = _folder(sim)
    try:
        if not sim.finished:
            await sim.arun()
    finally:
        sim.close()
    record = RunRecord.load(folder)
    try:
        verdicts = await acompute_verdicts(
            record, judge_model=judge_model(judge), judge_api_base=judge_api_base
        )
    except Exception as exc:  # the run itself is safe on disk
        return _report(sim, record, None, exc)
    return _report(sim, record, verdicts, None)


def _folder(sim: Simulation) -> Path:
    if sim.folder is None:
        raise ValueError("only a run with a run folder can be judged (made with write=False)")
    return sim.folder.path


def _report(
    sim: Simulation, record: RunRecord, verdicts: RunVerdicts | None, error: Exception | None
) -> RunResult:
    """Write the report (with whatever verdicts there are) and gather the result."""
    try:
        report, report_error = write_report(record), None
    except Exception as exc:  # the run and its verdicts are safe on disk
        report, report_error = None, exc
    assert record.path is not None  # loaded from its folder
    return RunResult(record.path, record, verdicts, report, sim, error, report_error)
