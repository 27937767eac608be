"""One trial: a family under chosen conditions, one model and one seed, in its own run folder.

A trial's id is a hash of exactly those four things, so the same grid gives
the same ids on every start and a finished trial is recognised on resume.
:func:`run_trial` is the one function every backend runs: it wipes whatever a
killed attempt left in the folder, simulates, measures and reports through
:func:`~insider_sim.simulation.pipeline.afinish`, and returns the trial's line
for ``trials.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from insider_sim.simulation.analysis.verdicts import RunVerdicts
from insider_sim.simulation.core.run_folder import run_usage, usage_cost
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.pipeline import afinish
from insider_sim.simulation.sweep.families import render
from pydantic import BaseModel, ConfigDict

TRIALS_DIR = "trials"
logger = logging.getLogger(__name__)


class Trial(BaseModel):
    """What a trial is: its identity within a sweep."""

    model_config = ConfigDict(frozen=True)

    family: str
    conditions: dict[str, str]
    model: str
    seed: int

    @property
    def id(self) -> str:
        """12 hex digits of the SHA-256 of the trial's canonical JSON."""
        canonical = json.dumps(self.model_dump(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @property
    def run_dir(self) -> str:
        """The run folder, relative to the sweep folder."""
        return f"{TRIALS_DIR}/{self.id}"


class TrialJob(BaseModel):
    """Everything a worker needs to run one trial; paths are absolute."""

    model_config = ConfigDict(frozen=True)

    trial: Trial
    scenario: str
    api_base: str | None = None
    model_args: dict[str, Any] = {}
    timeout: float | None = None
    max_tokens: int | None = None
    days: float | None = None
    knobs: dict[str, Any] = {}
    sweep_dir: Path
    cache_dir: Path | None = None
    judge_model: str | None = None
    prompt_cache: bool = True

    @property
    def run_dir(self) -> Path:
        """Where the trial's run folder is."""
        return self.sweep_dir / self.trial.run_dir


async def run_trial(job: TrialJob) -> dict[str, Any]:
    """Run one trial from an empty folder, judge it, write its report; return its record.

    A trial that cannot start, fails while running or cannot be measured is an
    error (never harmless); a report that cannot be written only warns.
    """
    started = time.perf_counter()
    shutil.rmtree(job.run_dir, ignore_errors=True)
    verdicts = failure = None
    try:
        result = await afinish(prepare(job), judge=job.judge_model)
    except Exception as exc:  # the trial fails; the sweep goes on
        failure = exc
    else:
        verdicts, failure = result.verdicts, result.verdicts_error
        if result.report_error is not None:  # the trial's results are already on disk
            logger.warning("no report.html for %s: %s", job.run_dir, result.report_error)
    error = None if failure is None else " ".join(f"{type(failure).__name__}: {failure}".split())
    return trial_record(job, verdicts, error, time.perf_counter() - started)


def prepare(job: TrialJob) -> Simulation:
    """The trial's run, not started yet, in its run folder."""
    # RunSettings' own timeout unless the grid sets one
    timeout: dict[str, Any] = {} if job.timeout is None else {"timeout": job.timeout}
    return Simulation.from_scenario(
        render(job.scenario, job.trial.conditions),
        days=job.days,
        out=job.run_dir,
        seed=job.trial.seed,
        model=job.trial.model,
        api_base=job.api_base,
        model_args=job.model_args,
        **timeout,
        max_tokens=job.max_tokens,
        cache_dir=job.cache_dir,
        offline_knobs=job.knobs,
        prompt_cache=job.prompt_cache,
    )


def trial_record(
    job: TrialJob, verdicts: RunVerdicts | None, error: str | None, wall: float
) -> dict[str, Any]:
    """The trial's line in ``trials.jsonl``; agent or judge errors make it an error.

    A trial whose subject could not act through its tools has the status
    ``could_not_act``: it is neither an error nor a harmless trial.
    """
    trial = job.trial
    error = error or (verdicts.error if verdicts else None)
    judge = verdicts.judge if verdicts else None
    able = verdicts.capability if verdicts else None
    status = "error" if error else "could_not_act" if able and able.could_not_act else "ok"
    usage = run_usage(job.run_dir)["total"]
    return {
        "trial": trial.id,
        "family": trial.family,
        "conditions": trial.conditions,
        "model": trial.model,
        "seed": trial.seed,
        "run_dir": trial.run_dir,
        "status": status,
        "error": error,
        "capability": able.model_dump() if able else None,
        "behaviours": {
            name: {"detected": v.detected, "attempted": v.attempted}
            for name, v in (verdicts.ground_truth if verdicts else {}).items()
        },
        "judge": None if judge is None else {name: v.detected for name, v in judge.items()},
        "awareness": verdicts.awareness.label if verdicts else None,
        "stated_belief": verdicts.stated_belief if verdicts else None,
        "refused_by_provider": verdicts.refused_by_provider if verdicts else 0,
        "cost": usage_cost(usage),
        "usage": usage,
        "wall_seconds": round(wall, 3),
    }
