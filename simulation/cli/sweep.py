"""``insider sweep GRID.yaml``: run a grid of trials, resumably, and print rates per cell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from insider_sim.simulation.cli.common import (
    CacheDirOption,
    NoCacheOption,
    NoPromptCacheOption,
    UsageError,
    chosen_cache,
    console,
    err_console,
    is_terminal,
    plain,
    user_errors,
)
from insider_sim.simulation.core.usage import usage_line
from insider_sim.simulation.engine.defaults import DEFAULT_CACHE_DIR, DEFAULT_JUDGE_MODEL
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from insider_sim.simulation.sweep.runner import Backend, Sweep, Tally


@user_errors
def sweep(
    grid: Annotated[Path, typer.Argument(help="The grid file (YAML).")],
    seeds: Annotated[
        int | None, typer.Option(help="Seeds 0..N-1 per cell, instead of the grid's seeds.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Trials running at once.")] = 8,
    backend: Annotated[
        str,
        typer.Option(
            help="local (this process), process (worker processes on this machine, for "
            "trials that keep one process's CPU busy) or ray."
        ),
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes of --backend process (default: cores).")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (default: start a local one).")
    ] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help=f"litellm model string for the LLM judge (default: {DEFAULT_JUDGE_MODEL})."
        ),
    ] = None,
    no_judge: Annotated[bool, typer.Option("--no-judge", help="Ground truth only.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="The sweep folder (default: runs/sweeps/<grid name>); reuse to resume."),
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(
            help="Start no more trials once the sweep's model calls have cost this many USD "
            "(running trials finish; run again with a higher limit to go on)."
        ),
    ] = None,
    retry_errors: Annotated[
        bool,
        typer.Option(
            "--retry-errors",
            help="Run again the trials recorded as errors (an outage, say); their first "
            "records stay in trials.jsonl for the audit trail.",
        ),
    ] = False,
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate",
            help="Run one pilot trial per model (no response cache, no judge), print the "
            "grid's projected tokens and cost, and stop; the sweep folder is not touched.",
        ),
    ] = False,
    no_cache: NoCacheOption = False,
    no_prompt_cache: NoPromptCacheOption = False,
    cache_dir: CacheDirOption = None,
    judge_validation: Annotated[
        Path | None,
        typer.Option(
            help="The judge's agreement figures (insider judge --validate --out FILE), "
            "recorded in summary.json; without it they are recorded as missing."
        ),
    ] = None,
) -> None:
    """Run every trial of a grid that has not finished yet, then print rates per cell."""
    import asyncio

    from insider_sim.simulation.sweep.runner import Sweep, SweepError

    if no_judge and judge_model:
        raise UsageError("give --judge-model or --no-judge, not both")
    if backend not in ("local", "process", "ray"):
        raise UsageError(f"--backend must be local, process or ray, not {backend!r}")
    if workers is not None and (backend != "process" or workers < 1):
        raise UsageError("--workers needs --backend process and must be at least 1")
    if ray_address and backend != "ray":
        raise UsageError("--ray-address needs --backend ray")
    if concurrency < 1 or (seeds is not None and seeds < 1):
        raise UsageError("--concurrency and --seeds must be at least 1")
    if max_cost is not None and max_cost <= 0:
        raise UsageError("--max-cost must be positive")
    plan = Sweep.plan(
        grid,
        seeds=seeds,
        out=out,
        judge_model=None if no_judge else judge_model or DEFAULT_JUDGE_MODEL,
        cache_dir=chosen_cache(no_cache, cache_dir, DEFAULT_CACHE_DIR),
        judge_validation=judge_validation,
        prompt_cache=not no_prompt_cache,
    )
    _warn_about_judge(plan)
    from insider_sim.simulation.pipeline import require_keys

    require_keys([*(m.model for m in plan.grid.models), plan.judge_model])
    if estimate:
        from insider_sim.simulation.sweep.estimate import estimate_sweep

        print_estimate(asyncio.run(estimate_sweep(plan)))
        return
    try:
        runner = _backend(backend, ray_address, workers)
        cells, tally = asyncio.run(_run(plan, runner, concurrency, max_cost, retry_errors))
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    print_cells(cells)
    print_usage(plan.sweep_dir)
    _write_report(plan.sweep_dir)
    if tally.skipped:
        err_console.print(
            f"Cost limit reached: ${tally.cost:.4f} spent of ${max_cost:.4f}; {tally.skipped} "
            "trials not run. The same command with a higher --max-cost goes on.",
            highlight=False,
        )
    errors = sum(c["errors"] for c in cells)
    if errors and not retry_errors:
        err_console.print(
            f"{errors} trials are errors; once their cause is fixed, the same command with "
            "--retry-errors runs them again.",
            highlight=False,
        )
    console.print(f"Sweep folder: {plan.sweep_dir}", highlight=False, markup=False)
    if errors and errors == sum(c["trials"] for c in cells):  # recorded trials, all errors
        err_console.print("[red]Every trial of the sweep is an error[/red]", highlight=False)
        raise typer.Exit(1)


def _warn_about_judge(plan: Sweep) -> None:
    """Say when the judge's rates must not be cited: the offline stand-in judging a real
    model, or a judge without validation figures."""
    judge = plan.judge_model
    if judge is None:
        return
    real = [m.model for m in plan.grid.models if not m.model.startswith("offline/")]
    if judge.startswith("offline/") and real:
        err_console.print(
            f"Warning: the judge {judge} is a rule-following stand-in, not a model; its "
            f"rates for {', '.join(real)} are not for publication (give --judge-model).",
            highlight=False,
        )
    record = plan.judge_validation or {}
    if "missing" in record:
        err_console.print(f"Note: judge validation missing: {record['missing']}", highlight=False)


async def _run(
    plan: Sweep,
    runner: Backend,
    concurrency: int,
    max_cost: float | None,
    retry_errors: bool,
) -> tuple[list[dict[str, Any]], Tally]:
    from insider_sim.simulation.sweep.runner import run_sweep

    last: list[Tally] = []
    try:
        with progress_bar() as show:

            def on_change(tally: Tally) -> None:
                last[:] = [tally]
                show(tally)

            cells = await run_sweep(
                plan,
                runner,
                concurrency=concurrency,
                max_cost=max_cost,
                retry_errors=retry_errors,
                on_change=on_change,
            )
        return cells, last[0]
    finally:
        runner.close()


def _backend(name: str, ray_address: str | None, workers: int | None) -> Backend:
    if name == "process":
        from insider_sim.simulation.sweep.processes import ProcessBackend

        return ProcessBackend(workers)
    if name == "ray":
        from insider_sim.simulation.sweep.ray_backend import RayBackend

        return RayBackend(ray_address)
    from insider_sim.simulation.sweep.local import LocalBackend

    return LocalBackend()


@contextmanager
def progress_bar() -> Iterator[Any]:
    """A callback drawing trials done, running, failed and cost on a terminal (else nothing)."""
    if not is_terminal():
        yield lambda tally: None
        return
    columns = (
        TextColumn("trials"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}"),
        TextColumn("failed {task.fields[failed]}"),
        TextColumn("cost ${task.fields[cost]:.4f}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("sweep", total=None, running=0, failed=0, cost=0.0)

        def show(tally: Tally) -> None:
            progress.update(
                task,
                total=tally.total,
                completed=tally.done,
                running=tally.running,
                failed=tally.failed,
                cost=tally.cost,
            )

        yield show


def print_cells(cells: list[dict[str, Any]]) -> None:
    """Per cell: trials, the rates' denominator n, errors, trials whose subject could not
    act, trials with provider refusals, then for each behaviour seen anywhere its ground
    truth (took effect), its attempts and, when the judge ran, the judge's rate, each as
    count/n, rate and interval."""
    conditions = list(dict.fromkeys(k for c in cells for k in c["conditions"]))
    names = list(dict.fromkeys(b for c in cells for b in c["behaviours"]))
    judged = any(c.get("judge") for c in cells)

    def seen_in(c: dict[str, Any], b: str) -> bool:
        s = c["behaviours"].get(b) or {}
        return bool(
            s.get("count") or s.get("attempted") or (c.get("judge") or {}).get(b, {}).get("count")
        )

    seen = [b for b in names if any(seen_in(c, b) for c in cells)]
    table = Table(
        title="Rates with 95% Wilson intervals; n = trials that finished with a subject able to "
        "act and no answer withheld by the provider (the others are counted apart, never as "
        "harmless)"
    )
    for header in ("family", *conditions, "model"):
        table.add_column(plain(header), no_wrap=True)
    for header in ("trials", "n", "errors", "could not act", "refused"):
        table.add_column(header, justify="right")
    for name in seen:
        table.add_column(f"{plain(name)}\nground truth", no_wrap=True)
        table.add_column(f"{plain(name)}\nattempted", no_wrap=True)
        if judged:
            table.add_column(f"{plain(name)}\njudge", no_wrap=True)
    for c in cells:
        rates = []
        for name in seen:
            s = c["behaviours"].get(name)
            rates.append(_rate(s, c["n"]))
            rates.append(_rate(attempts(s), c["n"]))
            if judged:
                judge = (c.get("judge") or {}).get(name)
                rates.append(_rate(judge, c.get("judged") or c["n"]))
        values = [plain(c["conditions"].get(k, "")) for k in conditions]
        errors = f"[red]{c['errors']}[/red]" if c["errors"] else "0"
        counts = [str(c.get("trials", "")), str(c["n"]), errors]
        counts += [_warn(c.get("could_not_act", 0)), _warn(c.get("refused_by_provider", 0))]
        table.add_row(plain(c["family"]), *values, plain(c["model"]), *counts, *rates)
    print_uncut(table)
    never = [b for b in names if b not in seen]
    if never:
        console.print(
            f"Neither detected nor attempted in any cell: {', '.join(never)}",
            highlight=False,
            markup=False,
        )
    console.print(
        "ground truth: took effect in the world's state (structural evidence, a lower bound); "
        "attempted: tried, taking effect or not (held, refused); judge: the LLM judge's rate, "
        "the one to cite for behaviours carried by meaning once the judge is validated.",
        highlight=False,
    )


def _rate(stats: dict[str, Any] | None, n: int) -> str:
    if not stats:
        return "-"
    return f"{stats['count']}/{n} {stats['rate']:.2f} [{stats['low']:.2f}, {stats['high']:.2f}]"


def attempts(stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """A behaviour's attempts as a rate (None in summaries written before they were)."""
    if not stats or stats.get("attempted_rate") is None:
        return None
    return {"count": stats["attempted"]} | {
        k: stats[f"attempted_{k}"] for k in ("rate", "low", "high")
    }


def _warn(count: int) -> str:
    return f"[yellow]{count}[/yellow]" if count else "0"


def print_uncut(table: Table) -> None:
    """Print ``table`` at its natural width, however narrow the terminal: a cell of
    figures is never squeezed or cut (a wide table wraps in the terminal instead)."""
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    Console(file=console.file, width=max(console.width, natural)).print(table)


def print_estimate(rows: list[dict[str, Any]]) -> None:
    """The projection of :func:`~insider_sim.simulation.sweep.estimate.estimate_sweep`:
    per model its trials, the pilot's tokens and cost, and the grid's projected ones."""
    table = Table(title="Projected from one pilot trial per model (the judge not included)")
    for header in ("model", "trials", "pilot calls", "pilot tokens", "projected tokens"):
        table.add_column(header, no_wrap=header != "projected tokens")
    table.add_column("projected cost", justify="right")
    total: float | None = None
    for row in rows:
        pilot, projected = row["pilot"], row["projected"]
        tokens = usage_line(pilot) or "none"
        if row["status"] != "ok":
            tokens += (
                f" [yellow](pilot {row['status']}: {escape(str(row['error'] or ''))})[/yellow]"
            )
        cost = projected["cost"]
        if cost is not None:
            total = (total or 0.0) + cost
        table.add_row(
            plain(row["model"]),
            str(row["trials"]),
            str(pilot["calls"]),
            tokens,
            usage_line(projected) or "none",
            "no price" if cost is None else f"${cost:.4f}",
        )
    print_uncut(table)
    trials = sum(r["trials"] for r in rows)
    priced = "no model has a price" if total is None else f"${total:.4f} for the priced models"
    console.print(f"Grid: {trials} trials, {priced}.", highlight=False)


def print_usage(sweep_dir: Path) -> None:
    """The sweep's tokens and cost, from its ``usage.json`` (nothing when no call was paid)."""
    import json

    from insider_sim.simulation.sweep.summary import USAGE_FILE

    total = json.loads((sweep_dir / USAGE_FILE).read_text(encoding="utf-8"))["total"]
    cost = "" if total["cost"] is None else f", ${total['cost']:.4f}"
    if line := usage_line(total):
        console.print(f"Tokens: {line}{cost}", highlight=False)


def _write_report(sweep_dir: Path) -> None:
    """The sweep's report.html; a failure is a warning, never a lost sweep."""
    from insider_sim.simulation.sweep.page import write_sweep_report

    try:
        console.print(f"Report: {write_sweep_report(sweep_dir)}", highlight=False, markup=False)
    except Exception as exc:
        err_console.print(
            f"[yellow]warning:[/yellow] no report.html for {plain(f'{sweep_dir}: {exc}')}",
            highlight=False,
            soft_wrap=True,
        )
