"""Running a sweep: plan its trials, skip the finished ones, run the rest, summarise.

The sweep folder (``runs/sweeps/<sweep-id>/`` by default) holds ``sweep.json``
(the grid and the settings it ran with), ``trials.jsonl`` (one line per
finished trial), ``trials/<trial-id>/`` (each trial's run folder) and
``summary.json`` / ``summary.csv``. Running the same grid again resumes: a
trial with a line in ``trials.jsonl`` never runs again (unless it is an error
and the run asks to retry errors), any other starts from an empty folder.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from insider_sim.agents.models.recording import scrub
from insider_sim.simulation.analysis.judge import DEFAULT_JUDGE_MODEL
from insider_sim.simulation.core.run_folder import write_json_atomic
from insider_sim.simulation.engine.settings import DEFAULT_CACHE_DIR
from insider_sim.simulation.sweep.grid import Grid, load_grid
from insider_sim.simulation.sweep.ledger import (
    SETTINGS_FILE,
    TRIALS_FILE,
    Ledger,
    all_records,
    read_trials,
)
from insider_sim.simulation.sweep.local import LocalBackend
from insider_sim.simulation.sweep.summary import (
    USAGE_FILE,
    summarize,
    sweep_usage,
    write_summary,
)
from insider_sim.simulation.sweep.trial import Trial, TrialJob
from insider_sim.simulation.sweep.validation import read_validation, validation_record

SWEEPS_DIR = Path("runs") / "sweeps"


class SweepError(ValueError):
    """A sweep that cannot run as asked (its folder was started with other settings)."""


class Backend(Protocol):
    """Where trials run: :meth:`execute` runs one and returns its record."""

    async def execute(self, job: TrialJob) -> dict[str, Any]:
        """Run ``job`` with :func:`insider_sim.simulation.sweep.trial.run_trial`."""
        ...

    def close(self) -> None:
        """Release what the backend started."""
        ...


@dataclass
class Sweep:
    """A grid resolved into trials, with where and how they run.

    Make one with :meth:`plan`; run it with :func:`run_sweep`. ``sweep_dir`` is
    the sweep folder (absolute); ``judge_model`` the LLM judge's model string
    (None: ground truth only); ``cache_dir`` the response cache shared by the
    trials (None: none); ``judge_validation`` the judge's agreement figures
    recorded in ``summary.json`` (see :mod:`insider_sim.simulation.sweep.validation`);
    ``prompt_cache`` whether providers that must be asked (Anthropic) are asked to
    cache the prompts' stable prefix.
    """

    grid: Grid
    sources: dict[str, str]
    sweep_dir: Path
    judge_model: str | None
    cache_dir: Path | None
    judge_validation: dict[str, Any] | None = None
    prompt_cache: bool = True

    @classmethod
    def plan(
        cls,
        grid_file: str | Path,
        *,
        seeds: int | None = None,
        out: str | Path | None = None,
        judge_model: str | None = DEFAULT_JUDGE_MODEL,
        cache_dir: str | Path | None = DEFAULT_CACHE_DIR,
        judge_validation: str | Path | None = None,
        prompt_cache: bool = True,
    ) -> Sweep:
        """Load the grid and place the sweep folder; nothing runs yet.

        ``seeds``: seeds 0..N-1 per cell instead of the grid's. ``out``: the sweep
        folder (default ``runs/sweeps/<grid name>/``; an existing one resumes).
        ``judge_model``: the LLM judge (default the offline stand-in
        ``offline/judge``; None: ground truth only). ``cache_dir``: the shared
        response cache (default ``runs/.cache``; None: none). ``judge_validation``:
        a file written by ``insider judge --validate --out`` (None: the figures are
        recorded as missing). ``prompt_cache``: ask Anthropic to cache the prompts'
        stable prefix. Raises ScenarioError for a grid file that cannot be read or
        checked, or a validation file that cannot be read.
        """
        grid, sources = load_grid(grid_file)
        if seeds is not None:
            grid = grid.model_copy(update={"seeds": seeds})
        sweep_dir = Path(out or SWEEPS_DIR / grid.sweep_id).resolve()
        cache = Path(cache_dir).resolve() if cache_dir is not None else None
        source = Path(judge_validation).resolve() if judge_validation is not None else None
        figures = read_validation(source) if source is not None else None
        record = validation_record(judge_model, figures, source)
        return cls(grid, sources, sweep_dir, judge_model, cache, record, prompt_cache)

    def trials(self) -> list[Trial]:
        """Every trial of the grid: families, then conditions, then models, then seeds."""
        return self.grid.trials()

    def job(self, trial: Trial) -> TrialJob:
        """What a backend needs to run ``trial``."""
        spec = next(m for m in self.grid.models if m.model == trial.model)
        return TrialJob(
            trial=trial,
            scenario=self.sources[trial.family],
            api_base=spec.api_base,
            model_args=spec.args,
            timeout=spec.timeout,
            max_tokens=spec.max_tokens,
            days=self.grid.days,
            knobs=self.grid.knobs,
            sweep_dir=self.sweep_dir,
            cache_dir=self.cache_dir,
            judge_model=self.judge_model,
            prompt_cache=self.prompt_cache,
        )

    def settings(self) -> dict[str, Any]:
        """What changes a trial's result besides its identity; a resume must keep it."""
        grid = self.grid
        settings = {"days": grid.days, "knobs": grid.knobs, "judge_model": self.judge_model}
        model_args = {m.model: m.args for m in grid.models if m.args}
        max_tokens = {m.model: m.max_tokens for m in grid.models if m.max_tokens is not None}
        return (
            settings
            | ({"model_args": model_args} if model_args else {})
            | ({"max_tokens": max_tokens} if max_tokens else {})
        )


@dataclass
class Tally:
    """Progress of a sweep, for a progress bar."""

    total: int
    done: int = 0
    running: int = 0
    failed: int = 0
    skipped: int = 0  # not started: the cost limit was reached
    cost: float = 0.0
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        """Count a finished trial."""
        self.records.append(record)
        self.done += 1
        self.failed += record.get("status") != "ok"
        self.cost += record.get("cost") or 0.0


async def run_sweep(
    sweep: Sweep,
    backend: Backend | None = None,
    *,
    concurrency: int = 8,
    max_cost: float | None = None,
    retry_errors: bool = False,
    on_change: Callable[[Tally], None] = lambda tally: None,
) -> list[dict[str, Any]]:
    """Run every unfinished trial, ``concurrency`` at a time; write and return the summary.

    ``backend``: where trials run (default :class:`LocalBackend`, this process's
    event loop). Each trial gets its own run folder under ``trials/`` with
    ``verdicts.json`` and ``report.html``. A record is appended to
    ``trials.jsonl`` as soon as its trial ends. If the backend itself fails, the
    remaining trials are cancelled and the error is raised; what finished stays
    recorded. Once the sweep's trials (earlier runs of it included) have cost
    ``max_cost`` USD, no further trial starts; those running finish, and a later
    run with a higher limit goes on from there. ``retry_errors``: trials whose latest
    record is an error (an outage, say) run again; their new record is appended
    with ``attempt`` set and the earlier ones stay in ``trials.jsonl``.

    Returns the summary's cells (also in ``summary.json`` and ``summary.csv``):
    per family, conditions and model, ``n`` (trials without error), ``errors``
    and per behaviour ``count``, ``rate``, ``low`` and ``high`` (Wilson 95%),
    and the cell's token ``usage``; the sweep's tokens and cost in total and per
    model go to ``usage.json``. The sweep's page is
    :func:`insider_sim.write_sweep_report`. Raises SweepError when the folder is a
    file, cannot be made, holds something else or a sweep started with other settings.
    """
    if concurrency < 1:
        raise SweepError("concurrency must be at least 1")
    backend = backend or LocalBackend()
    if sweep.sweep_dir.exists() and not sweep.sweep_dir.is_dir():
        raise SweepError(f"{sweep.sweep_dir} is a file; give a folder for the sweep")
    try:
        sweep.sweep_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(
            f"{sweep.sweep_dir}: cannot make the sweep folder ({exc.strerror})"
        ) from None
    check_settings(sweep)
    trials = sweep.trials()
    tally = Tally(total=len(trials))
    for record in read_trials(sweep.sweep_dir):  # this grid's, as sweep.json now says
        if retry_errors and record.get("status") == "error":
            tally.cost += record.get("cost") or 0.0  # spent all the same
        else:
            tally.add(record)
    finished = {r["trial"] for r in tally.records}
    attempts = Counter(r.get("trial") for r in all_records(sweep.sweep_dir / TRIALS_FILE))
    ledger = Ledger(sweep.sweep_dir / TRIALS_FILE)
    slots = asyncio.Semaphore(concurrency)

    async def one(trial: Trial) -> None:
        async with slots:
            if max_cost is not None and tally.cost >= max_cost:
                tally.skipped += 1
                on_change(tally)
                return
            tally.running += 1
            on_change(tally)
            try:
                record = await backend.execute(sweep.job(trial))
            finally:
                tally.running -= 1
            if attempts[trial.id]:  # a retry: the earlier records stay for the audit trail
                record["attempt"] = attempts[trial.id] + 1
            ledger.append(record)
            tally.add(record)
            on_change(tally)

    on_change(tally)
    async with asyncio.TaskGroup() as group:
        for trial in trials:
            if trial.id not in finished:
                group.create_task(one(trial))
    cells = summarize(trials, tally.records)
    for cell in cells:
        cell["judge_validation"] = sweep.judge_validation
    write_summary(sweep.sweep_dir, cells)
    write_json_atomic(sweep.sweep_dir / USAGE_FILE, sweep_usage(tally.records))
    return cells


def check_settings(sweep: Sweep) -> None:
    """Refuse a folder holding something else, or a sweep started with other settings."""
    path = sweep.sweep_dir / SETTINGS_FILE
    current = scrub(sweep.settings())  # as written: without credentials
    if not path.is_file() and any(sweep.sweep_dir.iterdir()):
        raise SweepError(f"{sweep.sweep_dir} is not empty and holds no sweep")
    if path.is_file():
        try:
            before = json.loads(path.read_bytes()).get("settings")
        except (ValueError, AttributeError):
            raise SweepError(f"{path}: not a sweep's settings (not a JSON object)") from None
        if before != current:
            raise SweepError(
                f"{sweep.sweep_dir} was started with {_describe(before)}, this grid asks for "
                f"{_describe(current)}: name the grid differently (or give --out) for a new sweep"
            )
    grid = scrub(sweep.grid.model_dump(mode="json"))
    write_json_atomic(path, {"grid": grid, "settings": current})


def _describe(settings: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in (settings or {}).items()) or "nothing"
