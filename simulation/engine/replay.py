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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from insider_sim.agents.models.policies import check_knobs
from insider_sim.simulation.core.clock import TimeRangeError
from insider_sim.simulation.core.run_folder import RunFolder, RunFolderError
from insider_sim.simulation.engine.cast import CastError
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import (
    Scenario,
    ScenarioError,
    read_yaml,
    scenario_from_data,
    validation_message,
)
from insider_sim.simulation.scenario.injections import INJECTIONS, AnyInjection, InjectionError
from insider_sim.world.spec import TimeSpec
from pydantic import ValidationError


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
    try:
        settings = RunSettings.model_validate(manifest["settings"])
    except ValidationError as exc:
        raise RunFolderError(validation_message(f"{folder.manifest}: settings", exc)) from None
    return scenario, settings, _injections(folder)


def _injections(folder: RunFolder) -> list[tuple[float, AnyInjection]]:
    """``injections.json``: (simulated second, event) pairs; RunFolderError naming the
    file when it is not a list of injections, each with its time ``t``."""
    if not folder.injections.is_file():
        return []
    try:
        raw = json.loads(folder.injections.read_bytes())
        items = [item for item in raw if isinstance(item, dict) and "t" in item]
        if len(items) != len(raw):
            raise ValueError("each injection must be an object with its time t")
        events = INJECTIONS.validate_python(
            [{k: v for k, v in item.items() if k not in ("t", "source")} for item in items]
        )
        return [(float(item["t"]), event) for item, event in zip(items, events, strict=True)]
    except ValidationError as exc:
        raise RunFolderError(validation_message(folder.injections, exc)) from None
    except (TypeError, ValueError) as exc:
        raise RunFolderError(f"{folder.injections}: not a list of injections ({exc})") from None


def replay_run(run_dir: str | Path, *, out: str | Path | None = None) -> Simulation:
    """Run ``run_dir`` again from its recorded answers only; returns the finished run.

    No model is called: every answer comes from ``run_dir/responses/`` (a missing
    one is an agent error in the replay's log). The replay's own run folder is
    ``out`` (default: a new one under ``runs/``); its ``events.jsonl`` equals the
    original's byte for byte. The returned Simulation is finished and closed;
    :func:`insider_sim.finish` adds verdicts.json and report.html. Raises
    FileNotFoundError when ``run_dir`` is not a run folder, RunFolderError when
    its manifest is unreadable or its model answers (``responses/``) are missing,
    and FileExistsError when ``out`` is not an empty folder.
    """
    run_dir = Path(run_dir)
    scenario, settings, injections = load_run(run_dir)
    _require_answers(run_dir, "nothing to replay from")
    settings = settings.model_copy(update={"replay_only": True, "cache_dir": None})
    sim = _in_new_folder(
        scenario,
        settings,
        out,
        f"{scenario.name}-replay",
        parents=[RunFolder(run_dir).responses],
        lineage={"replay_of": str(run_dir)},
    )
    try:
        for t, event in injections:
            sim.inject(t, event, source="replay")
    except BaseException:  # nothing was replayed: no folder is left behind
        sim.discard()
        raise
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
    inject: Iterable[AnyInjection] = (),
    source: str = "api",
    prompt_cache: bool | None = None,
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
    ``prompt_cache`` (None: the parent's setting) turns asking Anthropic to cache
    prompts on or off.
    The shared response cache is the parent's unless ``cache_dir`` names another
    or ``no_cache`` turns it off (the prefix comes from the parent's own record
    either way).

    ``at`` is a time in any accepted form (``"Wed 10:00"``, simulated seconds, ...);
    ``out`` the fork's run folder (default: a new one under ``runs/``). The fork
    is returned paused at ``at``: inject, then ``run()`` it, or hand it to
    :func:`insider_sim.finish`. ``inject``: ``Inject*`` events (each with its
    ``at``, at or after the fork time) scheduled in the fork, recorded with
    ``source``. Raises FileNotFoundError (not a run folder), FileExistsError
    (``out`` not empty), ScenarioError (a condition the scenario does not have, or
    its file is gone), TimeFormatError (``at`` is no time; its TimeRangeError: ``at``
    before the parent's start or after its end) and InjectionError (an injection
    before the fork time, or one the world refuses); a fork that fails so leaves
    no run folder.
    """
    run_dir, inject = Path(run_dir), list(inject)
    check_knobs(knobs or {})
    scenario, settings, injections = load_run(run_dir)
    if no_cache or cache_dir is not None:
        settings = settings.model_copy(update={"cache_dir": None if no_cache else cache_dir})
    if conditions:
        scenario = _rerender(scenario, conditions)
    else:  # the prefix comes from the record alone
        _require_answers(run_dir, "nothing to replay the time before the fork from")
    fork_t = _fork_time(scenario, settings, at, run_dir)
    for event in inject:  # checked before anything is made
        _check_after_fork(scenario, event, fork_t)
    update: dict[str, Any] = {"replay_only": not conditions}
    if prompt_cache is not None:
        update["prompt_cache"] = prompt_cache
    if timeout is not None:
        update["timeout"] = RunSettings.model_validate({"timeout": timeout}).timeout
    sim = _in_new_folder(
        scenario,
        settings.model_copy(update=update),
        out,
        f"{scenario.name}-fork",
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
    try:
        for t, event in injections:  # the parent's injections stay part of the world's script
            sim.inject(t, event, source="parent")
        sim.run(until=fork_t)
        _go_live(sim, settings, scenario, model, api_base, model_args, max_tokens, knobs)
        for event in inject:
            sim.inject(None, event, source=source)
    except BaseException:  # no fork: no paused folder is left behind
        sim.discard()
        raise
    return sim


def _in_new_folder(
    scenario: Scenario, settings: RunSettings, out: str | Path | None, name: str, **kwargs: Any
) -> Simulation:
    """A Simulation in a new run folder (``out``, or one under runs/ named after ``name``);
    a Simulation that cannot be built leaves no folder."""
    folder = RunFolder.create(out, name, settings.seed)
    try:
        return Simulation(scenario, settings, folder=folder, **kwargs)
    except BaseException:
        folder.discard()
        raise


def _go_live(
    sim: Simulation,
    settings: RunSettings,
    scenario: Scenario,
    model: str | None,
    api_base: str | None,
    model_args: dict[str, Any] | None,
    max_tokens: int | None,
    knobs: dict[str, Any] | None = None,
) -> None:
    """From the fork time on, models are called again: the parent's, or the one given
    (with ``knobs`` changing reference-policy knobs, the parent's others kept)."""
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


def _fork_time(scenario: Scenario, settings: RunSettings, at: TimeSpec, run_dir: Path) -> float:
    """The fork time in simulated seconds; TimeRangeError unless it is within the parent."""
    calendar = scenario.calendar
    fork_t = calendar.parse(at)
    end = calendar.stop_at(settings.until)
    if fork_t < 0:
        raise TimeRangeError(
            f"cannot fork at {at!r} ({calendar.iso(fork_t)}): before the start of {run_dir} "
            f"({calendar.iso(0)})"
        )
    if fork_t > end:
        raise TimeRangeError(
            f"cannot fork at {at!r} ({calendar.iso(fork_t)}): after the end of {run_dir} "
            f"({calendar.iso(end)})"
        )
    return fork_t


def _check_after_fork(scenario: Scenario, event: AnyInjection, fork_t: float) -> None:
    """InjectionError for an injection without a time or before the fork time."""
    if event.at is None:
        raise InjectionError(f"{event.kind} injection needs a time")
    calendar = scenario.calendar
    t = calendar.parse(event.at, now=fork_t)
    origin = f"{event.origin}: " if event.origin else ""
    if t < fork_t:
        raise InjectionError(
            f"{origin}cannot inject {event.kind} at {calendar.label(t)} ({calendar.iso(t)}): "
            f"before the fork time {calendar.label(fork_t)} ({calendar.iso(fork_t)})"
        )


def _require_answers(run_dir: Path, why: str) -> None:
    """RunFolderError when the run made model calls but its responses/ is gone."""
    folder = RunFolder(run_dir)
    calls = folder.read_manifest().get("model_calls")
    if isinstance(calls, int) and calls > 0 and not folder.responses.is_dir():
        raise RunFolderError(
            f"{run_dir} has no responses/ (the run made {calls} model calls): {why}"
        )


def _rerender(scenario: Scenario, overrides: dict[str, str]) -> Scenario:
    source = Path(scenario.source)
    if not source.is_file():
        raise ScenarioError(f"cannot change conditions: scenario file {source} is gone")
    data = read_yaml(source)
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario file must be a mapping of fields")
    rendered = scenario_from_data(
        data,
        source=str(source),
        raw=source.read_bytes(),
        conditions={**scenario.chosen, **overrides},
    )
    return rendered.model_copy(update={"calendar": scenario.calendar})
