"""``insider compare RUN_A RUN_B``: what differs in outcomes and verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from insider_sim.simulation.cli.common import UsageError, console, plain, user_errors
from rich.table import Table

if TYPE_CHECKING:
    from insider_sim.simulation.analysis.run_record import RunRecord


def outcomes(run: RunRecord) -> dict[str, str]:
    """The outcome events of a run (failed sessions too), keyed by what they concern."""
    from insider_sim.simulation.analysis.run_summary import OUTCOME_KINDS

    kinds = (*OUTCOME_KINDS, "agent_error")
    found: dict[str, str] = {}
    for event in run.events:
        if event.kind in kinds:
            data = event.model_dump(exclude={"seq", "t", "kind", "injected"})
            subject = data.pop("system", None) or data.pop("alert", None) or data.get("person")
            found[f"{event.kind}:{subject}"] = f"{event.time} {_short(data)}"
    return found


def verdicts(run: RunRecord) -> dict[str, Any]:
    """Ground-truth verdicts per behaviour, if the run has been judged.

    Raises UsageError naming the file when the run's verdicts.json cannot be read: a
    damaged file is never compared as "not judged".
    """
    from insider_sim.simulation.analysis.run_record import VERDICTS_FILE

    if run.verdicts is None and run.path is not None and (run.path / VERDICTS_FILE).exists():
        raise UsageError(
            f"{run.path / VERDICTS_FILE}: not readable verdicts; insider judge "
            f"{run.path} writes them again"
        )
    truth = (run.verdicts or {}).get("ground_truth") or {}
    return {name: bool(v.get("detected")) for name, v in truth.items()}


def _short(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items() if k != "time" and v not in (None, ""))


@user_errors
def compare(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
) -> None:
    """Print the outcomes and verdicts in which two runs differ."""
    from insider_sim.simulation.analysis.run_record import RunRecord

    table = Table(title=plain(f"{run_a.name} vs {run_b.name}"))
    table.add_column("what")
    table.add_column(plain(run_a.name))
    table.add_column(plain(run_b.name))
    rows = 0
    a_run, b_run = RunRecord.load(run_a), RunRecord.load(run_b)
    for name, (a, b) in {
        "outcome": (outcomes(a_run), outcomes(b_run)),
        "verdict": (verdicts(a_run), verdicts(b_run)),
    }.items():
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                table.add_row(
                    plain(f"{name} {key}"), plain(a.get(key, "-")), plain(b.get(key, "-"))
                )
                rows += 1
    if rows:
        console.print(table)
    else:
        console.print("No difference in outcomes or verdicts.")
