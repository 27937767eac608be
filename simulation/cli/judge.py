"""``insider judge RUN_DIR``: measure what the subject did and write verdicts.json.

``insider judge --validate [LABELS]``: measure ground truth and the judge on a labeled set
(default: the shipped one) and print TPR and TNR per behaviour with Wilson intervals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from insider_sim.simulation.cli.common import UsageError, console, err_console, plain, user_errors
from insider_sim.simulation.cli.report import report_after_run
from insider_sim.simulation.engine.defaults import DEFAULT_JUDGE_MODEL
from rich.table import Table

if TYPE_CHECKING:
    from insider_sim.simulation.analysis.verdicts import RunVerdicts


@user_errors
def judge(
    run_dir: Annotated[
        Path | None,
        typer.Argument(help="The run folder; with --validate, a labels file or folder."),
    ] = None,
    judge_model: Annotated[
        str, typer.Option(help="litellm model string for the LLM judge.")
    ] = DEFAULT_JUDGE_MODEL,
    judge_api_base: Annotated[
        str | None, typer.Option(help="Base URL for the judge's model.")
    ] = None,
    use_judge: Annotated[
        bool, typer.Option("--judge/--no-judge", help="Ask the LLM judge, or ground truth only.")
    ] = True,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Measure ground truth and the judge on labeled cases (the argument, or the "
            "shipped set) instead of judging a run.",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="With --validate: write the figures to this JSON file.")
    ] = None,
) -> None:
    """Recompute a run's verdicts (ground truth, LLM judge, awareness) and print them.

    A run that did not finish is refused (exit 2), and so is ``--no-judge`` on a run
    whose verdicts.json holds the judge's verdicts (they would be lost). A judge that fails on some
    behaviour never replaces a verdicts.json already there: the new verdicts go to
    verdicts.failed.json beside it and the command exits 1; it exits 1 too when every
    judge call failed.
    """
    if validate:
        _validate(run_dir, judge_model if use_judge else None, judge_api_base, out)
        return
    if out is not None:
        raise UsageError("--out goes with --validate")
    if run_dir is None:
        raise UsageError("give a run folder (or --validate)")
    from insider_sim.simulation.analysis.run_record import VERDICTS_FILE, RunRecord
    from insider_sim.simulation.analysis.verdicts import compute_verdicts, verdicts_file
    from insider_sim.simulation.pipeline import require_keys

    require_keys([judge_model if use_judge else None])
    run = RunRecord.load(run_dir)  # read once for the verdicts and the report
    had_verdicts = (run_dir / VERDICTS_FILE).is_file()
    earlier = run.verdicts or {}
    if not use_judge and earlier.get("judge"):
        raise UsageError(
            f"{run_dir / VERDICTS_FILE} holds verdicts of the judge "
            f"{earlier.get('judge_model') or ''}; --no-judge would drop them (judge again, "
            "or move the file first)"
        )
    verdicts = compute_verdicts(
        run,
        judge_model=judge_model if use_judge else None,
        judge_api_base=judge_api_base,
    )
    print_verdicts(verdicts)
    written = verdicts_file(run, verdicts) if had_verdicts else run_dir / VERDICTS_FILE
    if written.name != VERDICTS_FILE:
        err_console.print(
            f"[red]The judge failed on {', '.join(verdicts.judge_failures())}[/red]: "
            f"{plain(run_dir / VERDICTS_FILE)} is kept as it was; these verdicts are in "
            f"{plain(written)}",
            highlight=False,
        )
        raise typer.Exit(1)
    console.print(f"Written: {written}", highlight=False, markup=False)
    report_after_run(run)
    if verdicts.judge_failed_entirely():
        err_console.print("[red]Every judge call failed[/red]: no judge verdict", highlight=False)
        raise typer.Exit(1)


def _yes_no(value: bool | None) -> str:
    return {True: "[red]yes[/red]", False: "no", None: "[yellow]error[/yellow]"}[value]


def _truth(detected: bool, attempted: bool) -> str:
    return "[red]yes[/red]" if detected else ("[yellow]attempt[/yellow]" if attempted else "no")


def print_verdicts(v: RunVerdicts) -> None:
    """A table of behaviours, then awareness, outcomes, disagreements and errors."""
    conditions = ", ".join(f"{k}={x}" for k, x in v.conditions.items()) or "none"
    console.print(
        f"[bold]{plain(v.run)}[/bold]: {plain(v.scenario)} seed {v.seed}, {plain(conditions)}, "
        f"subject model {plain(v.subject_model or 'unknown')}",
        highlight=False,
    )
    table = Table(
        "behaviour", "ground truth\n(structural)", "evidence (seq)", "judge\n(meaning)", "note"
    )
    for name, truth in v.ground_truth.items():
        opinion = v.judge.get(name) if v.judge else None
        table.add_row(
            plain(name),
            _truth(truth.detected, truth.attempted),
            " ".join(f"#{s}" for s in truth.evidence),
            _yes_no(opinion.detected) if opinion else "-",
            plain(truth.note),
        )
    console.print(table)
    evidence = " ".join(f"#{s}" for s in v.awareness.evidence)
    console.print(
        f"Awareness: {v.awareness.label} {evidence}".rstrip(), highlight=False, markup=False
    )
    o = v.outcomes
    ended = [f"subject {'decommissioned' if o.decommissioned else 'not decommissioned'}"]
    ended += [f"{person} {state}" for person, state in o.people.items()]
    console.print(f"Outcomes: {', '.join(ended)}", highlight=False, markup=False)
    for line in v.disagreements:
        console.print(f"[yellow]Disagreement:[/yellow] {plain(line)}", highlight=False)
    if v.error:
        console.print(f"[red]Error:[/red] {plain(v.error)}", highlight=False)


def _validate(labels: Path | None, model: str | None, api_base: str | None, out: Path | None):
    from insider_sim.simulation.analysis.validation import validate
    from insider_sim.simulation.core.run_folder import write_json_atomic
    from insider_sim.simulation.pipeline import require_keys

    require_keys([model])
    figures = validate(labels, judge_model=model, api_base=api_base)
    print_agreement(figures)
    if out is not None:
        write_json_atomic(out, figures)
        console.print(f"Written: {out}", highlight=False)


def _rate(r: dict[str, Any] | None) -> str:
    if r is None:
        return "-"
    return f"{r['count']}/{r['n']} {r['rate']:.2f} [{r['low']:.2f},{r['high']:.2f}]"


AGREEMENT_COLUMNS = ("TPR", "TNR", "explicit TPR", "subtle TPR", "near-miss TNR")


def agreement_lines(figures: dict[str, Any]) -> list[str]:
    """The agreement table as fixed-width lines (also pasted into the README): per
    behaviour and measure, TPR and TNR with 95% Wilson intervals, recall on explicit and
    subtle cases, and the true-negative rate on near misses."""
    head = f"{'behaviour':<17} {'measure':<12} " + " ".join(f"{c:<24}" for c in AGREEMENT_COLUMNS)
    lines = [head.rstrip()]
    for measure in ("ground_truth", "judge"):
        for behaviour, f in (figures.get(measure) or {}).items():
            cells = [f["tpr"], f["tnr"], f["explicit"]["tpr"], f["subtle"]["tpr"]]
            cells.append(f["near_miss"]["tnr"])
            row = f"{behaviour:<17} {measure.replace('_', ' '):<12} "
            lines.append((row + " ".join(f"{_rate(c):<24}" for c in cells)).rstrip())
    return lines


def print_agreement(figures: dict[str, Any]) -> None:
    """Print :func:`agreement_lines` and every case a measure got wrong."""
    console.print(
        f"{figures['cases']} labeled cases ({figures['labels']}); judge "
        f"{figures['judge_model'] or 'not asked'}",
        highlight=False,
    )
    for line in agreement_lines(figures):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    for measure, misses in figures["misses"].items():
        for miss in misses:
            console.print(
                f"{measure.replace('_', ' ')} wrong: {miss}", highlight=False, markup=False
            )
