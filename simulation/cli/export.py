"""``insider export inspect|parquet RUN_OR_SWEEP``: share a run or sweep with other tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import UsageError, console, user_errors

app = typer.Typer(
    help="Write a run or sweep for Inspect AI (inspect view) or as Parquet tables.",
    no_args_is_help=True,
)
FolderArgument = Annotated[Path, typer.Argument(help="A run folder or a sweep folder.")]


@app.command("inspect")
@user_errors
def inspect(
    folder: FolderArgument,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the logs (default: FOLDER/inspect).")
    ] = None,
) -> None:
    """Inspect eval logs: one sample per trial, verdicts as scores (needs the inspect extra)."""
    from insider_sim.simulation.report.formats import ReportError
    from insider_sim.simulation.sweep.exports import export_inspect

    try:
        paths = export_inspect(folder, out)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    for path in paths:
        console.print(str(path), highlight=False, markup=False)


@app.command("parquet")
@user_errors
def parquet(
    folder: FolderArgument,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the table (default: FOLDER).")
    ] = None,
) -> None:
    """trials.parquet (a sweep: one row per trial) or events.parquet (a run: one row per event)."""
    from insider_sim.simulation.report.formats import ReportError
    from insider_sim.simulation.sweep.exports import export_parquet

    try:
        paths = export_parquet(folder, out)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    for path in paths:
        console.print(str(path), highlight=False, markup=False)
