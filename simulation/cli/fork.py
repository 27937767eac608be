"""``insider fork RUN_DIR --at TIME``: replay a run up to a moment, then change something."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import (
    CacheDirOption,
    KnobOption,
    NoCacheOption,
    NoPromptCacheOption,
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
    no_prompt_cache: NoPromptCacheOption = False,
    cache_dir: CacheDirOption = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder.")] = False,
) -> None:
    """Replay RUN_DIR up to --at from its recorded answers, then go on with the change."""
    from insider_sim.simulation.scenario.injections import load_injections

    # arguments are read before the heavy modules load: a mistake is refused at once
    injections = [event for path in inject or [] for event in load_injections(path)]
    model_args = parse_model_args(model_arg) if model_arg else None
    conditions, cache = parse_sets(set_), chosen_cache(no_cache, cache_dir, None)
    from insider_sim.simulation.cli.run import complete
    from insider_sim.simulation.engine.replay import fork_run, load_run
    from insider_sim.simulation.pipeline import require_keys

    scenario, settings, _ = load_run(run_dir)
    seats = settings.models_summary(scenario)  # the parent's models call live after --at
    require_keys([model or seats["subject"], *seats["employees"].values()])
    sim = fork_run(
        run_dir,
        at,
        out=out,
        model=model,
        api_base=api_base,
        model_args=model_args,
        knobs=parse_knobs(knob) or None,
        conditions=conditions,
        cache_dir=cache,
        no_cache=no_cache,
        timeout=timeout,
        max_tokens=max_tokens,
        inject=injections,
        source="cli",
        prompt_cache=False if no_prompt_cache else None,
    )
    complete(sim, judge_model=DEFAULT_JUDGE_MODEL, quiet=quiet, intro=f"Forked {run_dir} at {at}.")
