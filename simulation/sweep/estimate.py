"""What a sweep will cost, from one pilot trial per model, before any trial of it runs.

Each model's pilot is the grid's first trial with that model (first family,
conditions and seed), run in a temporary folder without the response cache
(so every call reaches the model) and without the judge. Its tokens and cost,
times the model's number of trials in the grid, are the projection; the sweep
folder is left untouched. Trials differ (conditions, seeds, what the subject
does), so this is an order of magnitude, not a quote.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from insider_sim.simulation.core.usage import TOKEN_FIELDS, empty_usage
from insider_sim.simulation.sweep.runner import Sweep
from insider_sim.simulation.sweep.trial import Trial, run_trial


async def estimate_sweep(sweep: Sweep) -> list[dict[str, Any]]:
    """One row per model of the grid, in grid order: ``model``, ``trials`` (its count in
    the grid), ``status`` and ``error`` of its pilot trial, ``pilot`` (the pilot's
    usage tally, see ``insider_sim.simulation.core.usage``) and ``projected`` (that
    tally times ``trials``; ``cost`` None when the model has no price).

    Pilots run concurrently, each in its own temporary folder; nothing is written
    to the sweep folder or the shared response cache.
    """
    firsts: dict[str, Trial] = {}
    counts: dict[str, int] = {}
    for trial in sweep.trials():
        firsts.setdefault(trial.model, trial)
        counts[trial.model] = counts.get(trial.model, 0) + 1
    with tempfile.TemporaryDirectory(prefix="insider-estimate-") as tmp:
        jobs = [
            sweep.job(trial).model_copy(
                update={"sweep_dir": Path(tmp), "cache_dir": None, "judge_model": None}
            )
            for trial in firsts.values()
        ]
        records = await asyncio.gather(*(run_trial(job) for job in jobs))
    rows = []
    for model, record in zip(firsts, records, strict=True):
        pilot = record.get("usage") or empty_usage()
        rows.append(
            {
                "model": model,
                "trials": counts[model],
                "status": record["status"],
                "error": record.get("error"),
                "pilot": pilot,
                "projected": scaled(pilot, counts[model]),
            }
        )
    return rows


def scaled(tally: dict[str, Any], times: int) -> dict[str, Any]:
    """``tally`` with its counts and cost multiplied by ``times``."""
    counts = ("calls", "cached_calls", *TOKEN_FIELDS)
    result: dict[str, Any] = {k: int(tally.get(k) or 0) * times for k in counts}
    cost = tally.get("cost")
    result["cost"] = None if cost is None else round(float(cost) * times, 6)
    return result
