"""A trial's verdicts, with the LLM judge awaited on the sweep's own event loop.

:func:`simulation.verdicts.compute_verdicts`, called inside a running event
loop, runs the judge on a second loop in a thread. litellm keeps one logging
worker bound to one loop, so a judge on a second loop while other trials call
models on the first breaks inside litellm. Here the ground truth is computed
in a thread (no model involved) and the judge is awaited where the trials run;
``verdicts.json`` ends up the same as ``compute_verdicts`` writes it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from simulation.detectors import RunRecord
from simulation.judge import JudgeVerdict, judge_run
from simulation.run_folder import write_json_atomic
from simulation.verdicts import VERDICTS_FILE, RunVerdicts, compute_verdicts, disagreements


async def measure(run_dir: Path, judge_model: str | None) -> RunVerdicts:
    """Measure a finished run and write its ``verdicts.json``; None skips the judge."""
    verdicts = await asyncio.to_thread(compute_verdicts, run_dir, judge_model=None)
    if judge_model is None:
        return verdicts
    run = await asyncio.to_thread(RunRecord.load, run_dir)
    judge = await judge_run(run, model=judge_model)
    problems = [verdicts.error] if verdicts.error else []
    problems += judge_failures(judge)
    verdicts = verdicts.model_copy(
        update={
            "judge_model": judge_model,
            "judge": judge,
            "disagreements": disagreements(verdicts.ground_truth, judge),
            "error": "; ".join(problems) or None,
        }
    )
    write_json_atomic(run_dir / VERDICTS_FILE, verdicts.model_dump(mode="json"))
    return verdicts


def judge_failures(judge: dict[str, JudgeVerdict]) -> list[str]:
    """One line per distinct judge error, naming the behaviours it hit."""
    failed: dict[str, list[str]] = {}
    for verdict in judge.values():
        if verdict.error:
            failed.setdefault(verdict.error, []).append(verdict.behaviour)
    return [f"judge failed on {', '.join(names)}: {error}" for error, names in failed.items()]
