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

from insider_sim.simulation.core.run_folder import RunFolder
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import Scenario, ScenarioError, scenario_from_data
from insider_sim.simulation.scenario.injections import INJECTIONS, AnyInjection
from insider_sim.world.spec import TimeSpec


def load_run(run_dir: Path) -> tuple[Scenario, RunSettings, list[tuple[float, AnyInjection]]]:
    """The scenario, settings and outside injections of a finished run."""
    folder = RunFolder(run_dir)
    for path in (folder.manifest, folder.scenario):
        if not path.is_file():
            raise FileNotFoundError(f"{run_dir} is not a run folder: {path.name} is missing")
    manifest = folder.read_manifest()
    scenario = Scenario.model_validate_json(folder.scenario.read_text(encoding="utf-8"))
    settings = RunSettings.model_validate(manifest["settings"])
    raw = json.loads(folder.injections.read_text()) if folder.injections.is_file() else []
    events = INJECTIONS.validate_python(
        [{k: v for k, v in item.items() if k not in ("t", "source")} for item in raw]
    )
    return scenario, settings, [(item["t"], event) for item, event in zip(raw, events, strict=True)]


def replay_run(run_dir: Path, *, out: Path | None = None) -> Simulation:
    """Run ``run_dir`` again from its recorded answers only; returns the finished run."""
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
    run_dir: Path,
    at: TimeSpec,
    *,
    out: Path | None = None,
    model: str | None = None,
    api_base: str | None = None,
    model_args: dict[str, Any] | None = None,
    conditions: dict[str, str] | None = None,
    timeout: float | None = None,
    max_tokens: int | None = None,
) -> Simulation:
    """A new run replayed from ``run_dir`` up to ``at``, paused there, with live models after.

    ``model`` puts another model in the subject's seat from the fork time on
    (reached at ``api_base``, with ``model_args`` or none); ``model_args`` alone
    changes only the arguments of the parent's model (say, its temperature).
    ``conditions`` re-render the scenario: such a change applies from the start,
    and the prefix is then recomputed, reusing recorded answers where requests
    are unchanged (so it may differ from the parent's). ``timeout`` (wall seconds
    per attempt) applies to every live call; ``max_tokens`` to the subject's
    answers from the fork time on (replacing a ``max_tokens`` model argument).
    """
    scenario, settings, injections = load_run(run_dir)
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
            "max_tokens": max_tokens,
            "timeout": timeout,
            "conditions": conditions or {},
        },
    )
    for t, event in injections:  # the parent's injections stay part of the world's script
        sim.inject(t, event, source="parent")
    sim.run(until=fork_t)
    sim.set_replay_only(False)
    changes = (model, api_base, model_args, max_tokens)
    if any(change is not None for change in changes):
        parent_model = settings.subject_model(scenario) or ""
        same = model is None or model == parent_model
        args = model_args if model_args is not None or not same else settings.model_args
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
