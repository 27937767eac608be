"""``insider fork RUN_DIR --at TIME``: replay a run up to a moment, then change something."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import (
    CacheDirOption,
    KnobOption,
    NoCacheOption,
    chosen_cache,
    parse_knobs,
    parse_model_args,
    parse_sets,
    user_errors,
)
from insider_sim.simulation.engine.defaults import DEFAULT_JUDGE_MODEL


@user_errors
def fork(
    run_dir: Annotated[Path, typer.Argument(help="The run to fork.")],
    at: Annotated[str, typer.Option(help="Fork time, e.g. 'Wed 10:00'.")],
    inject: Annotated[
        list[Path] | None, typer.Option(help="YAML file of events to inject (repeatable).")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Another model for the subject from the fork on.")
    ] = None,
    api_base: Annotated[str | None, typer.Option(help="Base URL for that model.")] = None,
    model_arg: Annotated[
        list[str] | None,
        typer.Option(
            help="litellm argument KEY=VALUE for the subject's model from the fork on "
            "(repeatable; replaces the parent's)."
        ),
    ] = None,
    knob: KnobOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change a condition (re-renders the scenario from the start)."),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Wall seconds per model call attempt from the fork on.", min=0.001),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(help="Most tokens per answer of the subject's model from the fork on.", min=1),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="The fork's run folder.")] = None,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder.")] = False,
) -> None:
    """Replay RUN_DIR up to --at from its recorded answers, then go on with the change."""
    from insider_sim.simulation.cli.run import complete
    from insider_sim.simulation.engine.replay import fork_run, load_run
    from insider_sim.simulation.pipeline import require_keys
    from insider_sim.simulation.scenario.injections import load_injections

    injections = [event for path in inject or [] for event in load_injections(path)]
    scenario, settings, _ = load_run(run_dir)
    seats = settings.models_summary(scenario)  # the parent's models call live after --at
    require_keys([model or seats["subject"], *seats["employees"].values()])
    sim = fork_run(
        run_dir,
        at,
        out=out,
        model=model,
        api_base=api_base,
        model_args=parse_model_args(model_arg) if model_arg else None,
        knobs=parse_knobs(knob) or None,
        conditions=parse_sets(set_),
        cache_dir=chosen_cache(no_cache, cache_dir, None),
        no_cache=no_cache,
        timeout=timeout,
        max_tokens=max_tokens,
    )
    for event in injections:
        sim.inject(None, event, source="cli")
    complete(sim, judge_model=DEFAULT_JUDGE_MODEL, quiet=quiet, intro=f"Forked {run_dir} at {at}.")
