"""The ``insider`` command: one module per subcommand, registered here."""

from __future__ import annotations

import typer
from insider_sim.simulation.cli import (
    compare,
    export,
    fork,
    graph,
    judge,
    replay,
    report,
    run,
    validate,
)
from insider_sim.simulation.cli.import_prompts import import_
from insider_sim.simulation.cli.scenarios import scenarios
from insider_sim.simulation.cli.sweep import sweep

app = typer.Typer(
    name="insider",
    help="insider-sim: put an AI agent under test into a living simulated company.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run.run)
app.command("validate")(validate.validate)
app.command("scenarios")(scenarios)
app.command("import")(import_)
app.command("replay")(replay.replay)
app.command("fork")(fork.fork)
app.command("compare")(compare.compare)
app.command("report")(report.report)
app.command("graph")(graph.graph)
app.command("judge")(judge.judge)
app.command("sweep")(sweep)
app.add_typer(export.app, name="export")

if __name__ == "__main__":
    app()
