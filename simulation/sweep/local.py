"""The local backend: trials as asyncio tasks on the sweep's own event loop.

Every trial awaits ``Simulation.arun`` on one loop. A trial waiting for a
model costs the loop nothing, so one process keeps dozens in flight; and a
kill of the sweep takes every trial down with it, so a resume never races a
worker still writing into a trial folder. When that one process's CPU is the
limit (a fast or local model server: some 90 ms of CPU a trial, mostly litellm's
per-call work), ``--backend process`` spreads trials over worker processes
(:mod:`~insider_sim.simulation.sweep.processes`) and ``--backend ray`` over a
cluster.
"""

from __future__ import annotations

from typing import Any

from insider_sim.simulation.sweep.trial import TrialJob, run_trial


class LocalBackend:
    """Runs trials as asyncio tasks on the sweep's own event loop, in this process
    (:func:`run_sweep`'s default backend)."""

    async def execute(self, job: TrialJob) -> dict[str, Any]:
        """Run one trial on the running event loop."""
        return await run_trial(job)

    def close(self) -> None:
        """Nothing to release."""
