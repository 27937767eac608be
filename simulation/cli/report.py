"""``insider report RUN_DIR``: rebuild a run's self-contained report.html."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from insider_sim.simulation.cli.common import console, err_console, plain, user_errors

if TYPE_CHECKING:
    from insider_sim.simulation.analysis.run_record import RunRecord


@user_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="The run folder.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write it (default: RUN_DIR/report.html).")
    ] = None,
) -> None:
    """Write the run's report: graph with time slider, exposure, timeline, transcript, verdicts."""
    from insider_sim.simulation.report.run_page import write_report

    console.print(str(write_report(run_dir, out)), highlight=False, markup=False)


def report_after_run(run: RunRecord | Path) -> None:
    """Write a fresh run's report; a failure is a warning on stderr, never a lost run."""
    try:
        from insider_sim.simulation.report.run_page import write_report

        write_report(run)
    except Exception as exc:  # the run itself is already safe on disk
        where = run if isinstance(run, Path) else run.path
        err_console.print(
            f"[yellow]warning:[/yellow] no report.html for {plain(f'{where}: {exc}')}",
            highlight=False,
            soft_wrap=True,
        )
