"""The ``insider`` command: one module per subcommand, registered here."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import typer
import typer.core
from insider_sim.simulation.cli import (
    compare,
    export,
    fork,
    graph,
    judge,
    replay,
    report,
    run,
    schema,
    validate,
)
from insider_sim.simulation.cli.import_prompts import import_
from insider_sim.simulation.cli.scenarios import scenarios
from insider_sim.simulation.cli.sweep import sweep

# typer 0.2x parses with its own copy of click: its exceptions are the ones raised
_click: Any = getattr(typer.core, "_click", None) or importlib.import_module("click")


class InsiderGroup(typer.core.TyperGroup):
    """typer's command group, but a mistake on the command line (a bad value, an unknown
    option) says what is wrong on its first line: ``error: ...``, then the usage."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; as a program (``standalone_mode``), exit with its code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        for arg in sys.argv[1:] if args is None else args:
            try:  # what a run writes down (manifest, report) is UTF-8
                arg.encode("utf-8")
            except UnicodeEncodeError:
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                typer.echo(f"error: argument {shown!r} is not UTF-8 text", err=True)
                sys.exit(2)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except _click.exceptions.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `insider` alone: help is shown
                sys.exit(exc.exit_code)
            usage_error(exc)
        except _click.exceptions.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def usage_error(exc: Any) -> None:
    """``error: <what is wrong>`` first, then the usage and where help is; exit code 2."""
    lines = [f"error: {exc.format_message()}"]
    if exc.ctx is not None:
        lines.append(exc.ctx.get_usage())
        lines.append(f"Try '{exc.ctx.command_path} --help' for help.")
    typer.echo("\n".join(lines), err=True)
    sys.exit(exc.exit_code)


app = typer.Typer(
    cls=InsiderGroup,
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
app.command("schema")(schema.schema)

if __name__ == "__main__":
    app()
