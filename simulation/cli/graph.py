"""``insider graph RUN_DIR``: export the message-flow graph for Gephi, networkx or as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import UsageError, console, user_errors
from insider_sim.simulation.report.formats import FORMATS, ReportError


@user_errors
def graph(
    run_dir: Annotated[Path, typer.Argument(help="The run folder.")],
    format_: Annotated[
        str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")
    ] = "graphml",
    until: Annotated[
        str | None, typer.Option(help="Only messages sent by then, e.g. 'Wed 12:00'.")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(help="Only the edges a secret or confidential document travelled along."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: RUN_DIR/graph.FORMAT).")
    ] = None,
) -> None:
    """Export the aggregated graph: edge weight = messages sent along it."""
    from insider_sim.simulation.report.export import export_graph

    try:
        path = export_graph(run_dir, format_, out=out, until=until, secret=secret)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    console.print(str(path), highlight=False, markup=False)
