"""``insider validate FILE``: check a scenario file without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import console, parse_sets, plain, user_errors


@user_errors
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Condition KEY=VALUE to render with.")
    ] = None,
) -> None:
    """Check a scenario file; print what it holds, or the problems (exit code 2)."""
    from insider_sim.simulation.scenario.format import load_scenario

    if file.is_dir():
        raise FileNotFoundError(f"{file} is a folder; give a scenario YAML file")
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such file")
    scenario = load_scenario(file, parse_sets(set_))
    conditions = ", ".join(f"{k}={v}" for k, v in scenario.chosen.items()) or "none"
    console.print(
        f"[green]ok[/green] {plain(file)}: scenario {plain(repr(scenario.name))}, "
        f"{len(scenario.people)} people, "
        f"{len(scenario.organisations)} organisations, {len(scenario.lists)} lists, "
        f"{len(scenario.history)} history emails, {len(scenario.timeline)} timeline events; "
        f"conditions: {plain(conditions)}",
        highlight=False,
    )
