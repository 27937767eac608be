"""Replay a finished run from its recorded answers, or fork it at a point in time.

A run folder holds everything needed: the rendered scenario (scenario.json),
the settings (manifest.json), the injections made from outside the scenario
(injections.json) and every model answer the run used (responses/). Replaying
makes no model call and writes the same events.jsonl, byte for byte. A fork
replays up to its fork time, then goes on with live model calls and whatever
was changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from insider_sim.agents.models.policies import check_knobs
from insider_sim.simulation.core.run_folder import RunFolder, RunFolderError
from insider_sim.simulation.engine.cast import CastError
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import Scenario, ScenarioError, scenario_from_data
from insider_sim.simulation.scenario.injections import INJECTIONS, AnyInjection
from insider_sim.world.spec import TimeSpec


def load_run(run_dir: Path) -> tuple[Scenario, RunSettings, list[tuple[float, AnyInjection]]]:
    """The scenario, settings and outside injections of a finished run.

    Raises FileNotFoundError when ``run_dir`` is no run folder with a manifest
    and a scenario, RunFolderError or ScenarioError when one of them is unreadable,
    and :class:`CastError` (a ``ValueError``) for a run in which agents added with
    ``add_agent`` acted (a run folder cannot rebuild them).
    """
    folder = RunFolder.existing(run_dir, needs=("manifest", "scenario"))
    manifest = folder.read_manifest()
    if manifest.get("agents"):
        added = ", ".join(f"{a} ({kind})" for a, kind in manifest["agents"].items())
        raise CastError(
            f"{run_dir} cannot be replayed or forked: agents added with add_agent acted in it "
            f"({added}), and a run folder cannot rebuild them"
        )
    scenario = Scenario.read_rendered(folder.scenario)
    if not isinstance(manifest.get("settings"), dict):
        raise RunFolderError(f"{folder.manifest}: no settings to replay the run with")
    settings = RunSettings.model_validate(manifest["settings"])
    raw = json.loads(folder.injections.read_text()) if folder.injections.is_file() else []
    events = INJECTIONS.validate_python(
        [{k: v for k, v in item.items() if k not in ("t", "source")} for item in raw]
    )
    return scenario, settings, [(item["t"], event) for item, event in zip(raw, events, strict=True)]


def replay_run(run_dir: str | Path, *, out: str | Path | None = None) -> Simulation:
    """Run ``run_dir`` again from its recorded answers only; returns the finished run.

    No model is called: every answer comes from ``run_dir/responses/`` (a missing
    one is an agent error in the replay's log). The replay's own run folder is
    ``out`` (default: a new one under ``runs/``); its ``events.jsonl`` equals the
    original's byte for byte. The returned Simulation is finished and closed;
    :func:`insider_sim.finish` adds verdicts.json and report.html. Raises
    FileNotFoundError when ``run_dir`` is not a run folder and FileExistsError
    when ``out`` is not an empty folder.
    """
    run_dir = Path(run_dir)
    scenario, settings, injections = load_run(run_dir)
    settings = settings.model_copy(update={"replay_only": True, "cache_dir": None})
    sim = Simulation(
        scenario,
        settings,
        folder=RunFolder.create(out, f"{scenario.name}-replay", settings.seed),
        parents=[RunFolder(run_dir).responses],
        lineage={"replay_of": str(run_dir)},
    )
    for t, event in injections:
        sim.inject(t, event, source="replay")
    try:
        sim.run()
    finally:
        sim.close()
    return sim


def fork_run(
    run_dir: str | Path,
    at: TimeSpec,
    *,
    out: str | Path | None = None,
    model: str | None = None,
    api_base: str | None = None,
    model_args: dict[str, Any] | None = None,
    knobs: dict[str, Any] | None = None,
    conditions: dict[str, str] | None = None,
    cache_dir: Path | None = None,
    no_cache: bool = False,
    timeout: float | None = None,
    max_tokens: int | None = None,
) -> Simulation:
    """A new run replayed from ``run_dir`` up to ``at``, paused there, with live models after.

    ``model`` puts another model in the subject's seat from the fork time on
    (reached at ``api_base``, with ``model_args`` or none); ``model_args`` alone
    changes only the arguments of the parent's model (say, its temperature).
    ``knobs`` change reference-policy knobs (``{"p_harm": 0.3}``) from the fork
    time on, the parent's others kept; ValueError for an unknown knob or a value
    that is not a number from 0 to 1.
    ``conditions`` re-render the scenario: such a change applies from the start,
    and the prefix is then recomputed, reusing recorded answers where requests
    are unchanged (so it may differ from the parent's). ``timeout`` (wall seconds
    per attempt) applies to every live call; ``max_tokens`` to the subject's
    answers from the fork time on (replacing a ``max_tokens`` model argument).
    The shared response cache is the parent's unless ``cache_dir`` names another
    or ``no_cache`` turns it off (the prefix comes from the parent's own record
    either way).

    ``at`` is a time in any accepted form (``"Wed 10:00"``, simulated seconds, ...);
    ``out`` the fork's run folder (default: a new one under ``runs/``). The fork
    is returned paused at ``at``: inject, then ``run()`` it, or hand it to
    :func:`insider_sim.finish`. Raises FileNotFoundError (not a run folder),
    FileExistsError (``out`` not empty), ScenarioError (a condition the scenario
    does not have, or its file is gone) and TimeFormatError (``at`` is no time).
    """
    run_dir = Path(run_dir)
    check_knobs(knobs or {})
    scenario, settings, injections = load_run(run_dir)
    if no_cache or cache_dir is not None:
        settings = settings.model_copy(update={"cache_dir": None if no_cache else cache_dir})
    if conditions:
        scenario = _rerender(scenario, conditions)
    fork_t = scenario.calendar.parse(at)
    update: dict[str, Any] = {"replay_only": not conditions}
    if timeout is not None:
        update["timeout"] = RunSettings.model_validate({"timeout": timeout}).timeout
    sim = Simulation(
        scenario,
        settings.model_copy(update=update),
        folder=RunFolder.create(out, f"{scenario.name}-fork", settings.seed),
        parents=[RunFolder(run_dir).responses],
        lineage={
            "parent": str(run_dir),
            "at": scenario.calendar.iso(fork_t),
            "t": fork_t,
            "model": model,
            "model_args": model_args,
            "knobs": knobs,
            "max_tokens": max_tokens,
            "timeout": timeout,
            "conditions": conditions or {},
        },
    )
    for t, event in injections:  # the parent's injections stay part of the world's script
        sim.inject(t, event, source="parent")
    sim.run(until=fork_t)
    sim.set_replay_only(False)
    if knobs:  # the subject's seat is built again below, with the new knobs
        sim.settings.offline_knobs = {**settings.offline_knobs, **knobs}
    changes = (model, api_base, model_args, max_tokens, knobs)
    if any(change is not None for change in changes):
        parent_model = settings.subject_model(scenario) or ""
        same = model is None or model == parent_model
        args = settings.model_args if same and model_args is None else model_args or {}
        tokens = max_tokens
        if max_tokens is not None:  # the fork's own limit replaces a model argument's
            args = {k: v for k, v in args.items() if k != "max_tokens"}
        elif same and "max_tokens" not in args:
            tokens = settings.max_tokens
        sim.replace_subject_model(
            model or parent_model,
            api_base if api_base is not None or not same else settings.api_base,
            args,
            tokens,
        )
    return sim


def _rerender(scenario: Scenario, overrides: dict[str, str]) -> Scenario:
    source = Path(scenario.source)
    if not source.is_file():
        raise ScenarioError(f"cannot change conditions: scenario file {source} is gone")
    import yaml

    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    rendered = scenario_from_data(
        data,
        source=str(source),
        raw=source.read_bytes(),
        conditions={**scenario.chosen, **overrides},
    )
    return rendered.model_copy(update={"calendar": scenario.calendar})
