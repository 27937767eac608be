"""``insider realism RUN_OR_SCENARIO``: how much a week's mail reads like a real company's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import console, parse_sets, user_errors


@user_errors
def realism(
    target: Annotated[
        str, typer.Argument(help="A run folder, a scenario YAML file or a shipped scenario's name.")
    ],
    seed: Annotated[int, typer.Option(help="Seed of the simulated week (scenarios only).")] = 0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Condition KEY=VALUE to render with (scenarios only)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Report repeated subjects and bodies, template residue, greetings to addresses,
    mail at odd hours, people who never write, and a realism score (0-100).

    A scenario is first simulated for its whole week in memory, offline, with the
    given seed; a run folder is read as it is.
    """
    from insider_sim.simulation.analysis.realism import realism as measure
    from insider_sim.simulation.analysis.realism import simulated_week
    from insider_sim.simulation.analysis.run_record import RunRecord

    path = Path(target)
    if path.is_dir():
        if set_:
            raise FileNotFoundError("--set applies to a scenario, not to a run folder")
        run = RunRecord.load(path)
    else:
        run = simulated_week(target, seed=seed, conditions=parse_sets(set_))
    figures = measure(run)
    if as_json:
        print(json.dumps(figures.to_dict(), indent=2))
        return
    for line in figures.lines():
        console.print(line, highlight=False, markup=False, soft_wrap=True)
