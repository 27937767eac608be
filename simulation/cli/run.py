"""``insider run``: simulate the company and leave a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from insider_sim.simulation.cli.common import (
    CacheDirOption,
    KnobOption,
    NoCacheOption,
    NoPromptCacheOption,
    UsageError,
    chosen_cache,
    console,
    err_console,
    is_terminal,
    parse_knobs,
    parse_model_args,
    parse_sets,
    plain,
    user_errors,
)
from insider_sim.simulation.core.usage import usage_line
from insider_sim.simulation.engine.defaults import (
    DEFAULT_CACHE_DIR,
    DEFAULT_JUDGE_MODEL,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_TIMEOUT,
)
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from insider_sim.simulation.analysis.run_record import RunRecord
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.simulation.pipeline import RunResult

STEP = 3600.0  # progress is shown per simulated hour


@user_errors
def run(
    scenario: Annotated[
        str | None, typer.Option(help="Shipped scenario name or YAML file (default: summitbridge).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Condition KEY=VALUE (repeatable).")
    ] = None,
    days: Annotated[
        float | None, typer.Option(help="Simulated days (default: 7; at most 28).")
    ] = None,
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
    force: Annotated[
        bool,
        typer.Option(help="Let --out replace a run there that failed or did not finish."),
    ] = False,
    model: Annotated[str | None, typer.Option(help="litellm model string for the subject.")] = None,
    api_base: Annotated[str | None, typer.Option(help="Base URL for the subject's model.")] = None,
    model_arg: Annotated[
        list[str] | None,
        typer.Option(
            help="litellm argument KEY=VALUE for the subject's model, e.g. temperature=1 or "
            "reasoning_effort=high (repeatable; values are YAML)."
        ),
    ] = None,
    knob: KnobOption = None,
    employees: Annotated[
        str, typer.Option(help="scripted, llm, or mixed (each person as the scenario says).")
    ] = "mixed",
    employee_model: Annotated[
        str | None, typer.Option(help="Model for LLM employees (default: offline/persona).")
    ] = None,
    employee_api_base: Annotated[
        str | None, typer.Option(help="Base URL for the employees' model.")
    ] = None,
    text_tools: Annotated[
        bool, typer.Option(help="Tools as <tool_use:...> text, for models without tool calling.")
    ] = False,
    max_concurrency: Annotated[
        int, typer.Option(help="Model calls in flight at once, per model (rate limits).")
    ] = DEFAULT_MAX_CONCURRENCY,
    timeout: Annotated[
        float,
        typer.Option(help="Wall seconds per model call attempt, every seat.", min=0.001),
    ] = DEFAULT_TIMEOUT,
    max_tokens: Annotated[
        int | None,
        typer.Option(help="Most tokens per answer of the subject's model.", min=1),
    ] = None,
    judge_model: Annotated[
        str, typer.Option(help="Judge for verdicts.json after the run ('none': no judge).")
    ] = DEFAULT_JUDGE_MODEL,
    context_tokens: Annotated[
        int | None,
        typer.Option(
            help="The models' context window in tokens (default: litellm's table for known "
            "models, else 32,768); the agents' history is fitted to it."
        ),
    ] = None,
    no_cache: NoCacheOption = False,
    no_prompt_cache: NoPromptCacheOption = False,
    cache_dir: CacheDirOption = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder.")] = False,
) -> None:
    """Simulate the company (by default Monday 09:00 to the next Monday 09:00).

    The run folder then gets verdicts.json (detectors and the judge) and report.html.
    """
    from insider_sim.simulation.core.clock import check_days

    if days is not None and until is not None:
        raise UsageError("give --days or --until, not both")
    if employees not in ("scripted", "llm", "mixed"):
        raise UsageError(f"--employees must be scripted, llm or mixed, not {employees!r}")
    if days is not None:
        check_days(days, "--days")
    # arguments are read before the heavy modules load: a mistake is refused at once
    conditions, model_args = parse_sets(set_), parse_model_args(model_arg)
    chosen = chosen_cache(no_cache, cache_dir, DEFAULT_CACHE_DIR)
    from insider_sim.simulation.scenario.injections import load_injections

    injections = [event for path in inject or [] for event in load_injections(path)]
    from insider_sim.simulation.pipeline import prepare

    sim = prepare(
        scenario,
        conditions=conditions,
        days=days,
        injections=injections,
        out=out,
        force=force,
        judge=judge_model,
        source="cli",
        seed=seed,
        until=until,
        model=model,
        api_base=api_base,
        model_args=model_args,
        offline_knobs=parse_knobs(knob),
        employees=employees,
        employee_model=employee_model,
        employee_api_base=employee_api_base,
        text_tools=text_tools,
        max_concurrency=max_concurrency,
        cache_dir=chosen,
        context_tokens=context_tokens,
        prompt_cache=not no_prompt_cache,
        timeout=timeout,
        max_tokens=max_tokens,
    )
    complete(sim, judge_model=judge_model, quiet=quiet)


def complete(sim: Simulation, *, judge_model: str | None, quiet: bool, intro: str = "") -> None:
    """Run to the end with a progress bar, judge and report, and tell the user where it all is."""
    from insider_sim.simulation.pipeline import finish

    try:
        advance(sim, show=not quiet)
    except BaseException:
        sim.close()
        raise
    result = finish(sim, judge=judge_model)
    warn_missing(result)
    summary = result.summary()
    if quiet:
        console.print(str(result.folder), highlight=False, markup=False)
    else:
        if intro:
            console.print(intro, highlight=False, markup=False)
        print_summary(summary, result.record)
    warn_about(summary)  # --quiet never hides a failed session, a refusal or "could not act"


def warn_missing(result: RunResult) -> None:
    """A warning on stderr for a verdicts.json or report.html that could not be written."""
    for name, error in (
        ("verdicts.json", result.verdicts_error),
        ("report.html", result.report_error),
    ):
        if error is not None:
            err_console.print(
                f"[yellow]warning:[/yellow] no {name} for {plain(f'{result.folder}: {error}')}",
                highlight=False,
                soft_wrap=True,
            )


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


def print_summary(summary: dict[str, Any], run: RunRecord) -> None:
    """The short report printed after a run (``summary`` from :func:`summarize_run`)."""
    console.print(
        f"[bold]{plain(summary['scenario'])}[/bold] seed {summary['seed']}: "
        f"{plain(summary['simulated'])}, "
        f"{summary['messages']} messages, {summary['events']} events",
        highlight=False,
    )
    table = Table(title="Messages per day", show_header=False)
    for day, count in summary["messages_per_day"].items():
        table.add_row(plain(day), str(count))
    console.print(table)
    senders = ", ".join(f"{plain(run.name(a))} ({n})" for a, n in summary["top_senders"])
    console.print(f"Top senders: {senders}", highlight=False)
    for item, people in summary["exposure"].items():
        names = ", ".join(plain(run.name(a)) for a in people) or "nobody"
        console.print(
            f"[yellow]{plain(item)}[/yellow] reached {len(people)}: {names}", highlight=False
        )
    for line in summary["outcomes"]:
        console.print(f"Outcome: {plain(line)}", highlight=False)
    if summary["model_calls"]:
        cost = "" if summary["cost"] is None else f", ${summary['cost']:.4f}"
        cached = summary["cached_calls"]
        from_cache = f" ({cached} answered from the response cache)" if cached else ""
        console.print(f"Model calls: {summary['model_calls']}{from_cache}{cost}", highlight=False)
        if line := usage_line(summary["usage"]["total"]):
            console.print(f"Tokens: {line}", highlight=False)
    able = summary.get("capability") or {}
    if able.get("sessions") and not able.get("could_not_act"):
        console.print(
            f"Subject: {able['tool_calls']} tool calls ({able['failed_tool_calls']} failed) "
            f"in {able['sessions']} sessions",
            highlight=False,
        )
    console.print(f"Run folder: {plain(run.path)}", highlight=False)


def warn_about(summary: dict[str, Any]) -> None:
    """Failed sessions, provider refusals and a subject that could not act, on stderr,
    whatever else is printed."""
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
    able = summary.get("capability") or {}
    if able.get("could_not_act"):  # not a harmless run: the subject was not measured
        err_console.print(f"warning: the subject {able['note']}", markup=False, highlight=False)
