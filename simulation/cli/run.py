"""``insider run``: simulate the company and leave a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from insider_sim.simulation.analysis.judge import DEFAULT_JUDGE_MODEL
from insider_sim.simulation.analysis.verdicts import compute_verdicts
from insider_sim.simulation.cli.common import (
    UsageError,
    console,
    err_console,
    is_terminal,
    parse_model_args,
    parse_sets,
    require_keys,
    user_errors,
)
from insider_sim.simulation.cli.report import report_after_run
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import load_scenario
from insider_sim.simulation.scenario.injections import AnyInjection, load_injections
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

STEP = 3600.0  # progress is shown per simulated hour


@user_errors
def run(
    scenario: Annotated[
        str | None, typer.Option(help="Shipped scenario name or YAML file [default: summitbridge].")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Condition KEY=VALUE (repeatable).")
    ] = None,
    days: Annotated[float | None, typer.Option(help="Simulated days [default: 7].")] = None,
    until: Annotated[
        str | None, typer.Option(help="Stop at this time instead, e.g. 'Wed 12:00'.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the run.")] = 0,
    inject: Annotated[
        list[Path] | None, typer.Option(help="YAML file of events to inject (repeatable).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="The run folder itself (created; must be new or empty). "
            "Default: a new folder under runs/."
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(help="litellm model string for the subject.")] = None,
    api_base: Annotated[str | None, typer.Option(help="Base URL for the subject's model.")] = None,
    model_arg: Annotated[
        list[str] | None,
        typer.Option(
            help="litellm argument KEY=VALUE for the subject's model, e.g. temperature=1 or "
            "reasoning_effort=high (repeatable; values are YAML)."
        ),
    ] = None,
    employees: Annotated[
        str, typer.Option(help="scripted, llm, or mixed (each person as the scenario says).")
    ] = "mixed",
    employee_model: Annotated[
        str | None, typer.Option(help="Model for LLM employees [default: offline/persona].")
    ] = None,
    employee_api_base: Annotated[
        str | None, typer.Option(help="Base URL for the employees' model.")
    ] = None,
    text_tools: Annotated[
        bool, typer.Option(help="Tools as <tool_use:...> text, for models without tool calling.")
    ] = False,
    max_concurrency: Annotated[
        int, typer.Option(help="Model calls in flight at once, per model (rate limits).")
    ] = RunSettings().max_concurrency,
    timeout: Annotated[
        float,
        typer.Option(help="Wall seconds per model call attempt, every seat.", min=0.001),
    ] = RunSettings().timeout,
    max_tokens: Annotated[
        int | None,
        typer.Option(help="Most tokens per answer of the subject's model.", min=1),
    ] = None,
    judge_model: Annotated[
        str, typer.Option(help="Judge for verdicts.json after the run ('none': no judge).")
    ] = DEFAULT_JUDGE_MODEL,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder.")] = False,
) -> None:
    """Simulate the company (by default Monday 09:00 to the next Monday 09:00).

    The run folder then gets verdicts.json (detectors and the judge) and report.html.
    """
    if days is not None and until is not None:
        raise UsageError("give --days or --until, not both")
    if employees not in ("scripted", "llm", "mixed"):
        raise UsageError(f"--employees must be scripted, llm or mixed, not {employees!r}")
    loaded = load_scenario(scenario, parse_sets(set_))
    if days is not None:
        if days <= 0:
            raise UsageError("--days must be positive")
        loaded.calendar = loaded.calendar.model_copy(update={"days": days})
    injections = [event for path in inject or [] for event in load_injections(path)]
    settings = RunSettings(
        seed=seed,
        until=until,
        model=model,
        api_base=api_base,
        model_args=parse_model_args(model_arg),
        employees=employees,
        employee_model=employee_model,
        employee_api_base=employee_api_base,
        text_tools=text_tools,
        max_concurrency=max_concurrency,
        timeout=timeout,
        max_tokens=max_tokens,
    )
    seats = settings.models_summary(loaded)
    require_keys([seats["subject"], *seats["employees"].values(), chosen_judge(judge_model)])
    sim = Simulation.from_scenario(loaded, out=out, **settings.model_dump(exclude_unset=True))
    finish(sim, injections, judge_model=judge_model, quiet=quiet)


def finish(
    sim: Simulation,
    injections: list[AnyInjection],
    *,
    judge_model: str | None,
    quiet: bool,
    intro: str = "",
) -> None:
    """Inject, run to the end, measure, report, and tell the user where it all is."""
    for event in injections:
        sim.inject(None, event, source="cli")
    try:
        advance(sim, show=not quiet)
    finally:
        sim.close()
    if sim.folder is not None:
        after_run(sim.folder.path, judge_model)
    summary = sim.summary()
    if quiet:
        console.print(str(sim.folder.path if sim.folder else ""))
    else:
        if intro:
            console.print(intro, highlight=False)
        print_summary(summary, sim)
    warn_about(summary)  # --quiet never hides a failed session or a refusal


def chosen_judge(judge_model: str | None) -> str | None:
    """The judge's model, or None when the user asked for none."""
    return None if judge_model in (None, "", "none") else judge_model


def after_run(run_dir: Path, judge_model: str | None) -> None:
    """Write verdicts.json and report.html; a failure is a warning, never a lost run."""
    judge = chosen_judge(judge_model)
    try:
        compute_verdicts(run_dir, judge_model=judge)
    except Exception as exc:  # the run itself is already safe on disk
        err_console.print(f"warning: no verdicts.json for {run_dir}: {exc}", markup=False)
    report_after_run(run_dir)


def advance(sim: Simulation, *, show: bool) -> None:
    """Run to the end, with a progress bar over simulated time on a terminal."""
    if not (show and is_terminal()):
        sim.run()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TextColumn("{task.fields[msgs]} messages"),
        TextColumn("{task.fields[calls]} model calls"),
        TextColumn("{task.fields[errors]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(
            "simulating", total=sim.end, clock=sim.clock, msgs=0, calls=0, errors=0
        )
        while sim.now < sim.end:
            sim.run(until=min(sim.now + STEP, sim.end))
            progress.update(
                task,
                completed=sim.now,
                clock=sim.clock,
                msgs=sim.log.counts.get("message", 0),
                calls=sim.bridge.model_calls,
                errors=sim.log.counts.get("agent_error", 0),
            )


def print_summary(summary: dict[str, Any], sim: Simulation) -> None:
    """The short report printed after a run."""
    console.print(
        f"[bold]{summary['scenario']}[/bold] seed {summary['seed']}: {summary['simulated']}, "
        f"{summary['messages']} messages, {summary['events']} events",
        highlight=False,
    )
    table = Table(title="Messages per day", show_header=False)
    for day, count in summary["messages_per_day"].items():
        table.add_row(day, str(count))
    console.print(table)
    senders = ", ".join(f"{sim.world.name(a)} ({n})" for a, n in summary["top_senders"])
    console.print(f"Top senders: {senders}", highlight=False)
    for item, people in summary["exposure"].items():
        names = ", ".join(sim.world.name(a) for a in people) or "nobody"
        console.print(f"[yellow]{item}[/yellow] reached {len(people)}: {names}", highlight=False)
    for line in summary["outcomes"]:
        console.print(f"Outcome: {line}", highlight=False)
    if summary["model_calls"]:
        cost = "" if summary["cost"] is None else f", ${summary['cost']:.4f}"
        console.print(f"Model calls: {summary['model_calls']}{cost}", highlight=False)
    if sim.folder is not None:
        console.print(f"Run folder: {sim.folder.path}", highlight=False)


def warn_about(summary: dict[str, Any]) -> None:
    """Failed sessions and provider refusals, on stderr, whatever else is printed."""
    if errors := summary["errors"]:  # a failed session is never a quiet one
        err_console.print(
            f"warning: {len(errors)} agent sessions failed; the first: {errors[0]}",
            markup=False,
            highlight=False,
        )
    if refusals := summary.get("refusals"):  # nor is an answer the provider withheld
        err_console.print(
            f"warning: the provider refused {len(refusals)} model answers; the first: "
            f"{refusals[0]}",
            markup=False,
            highlight=False,
        )
