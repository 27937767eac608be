"""The local backend: trials as asyncio tasks on the sweep's own event loop.

Every trial awaits ``Simulation.arun`` on one loop. A trial waiting for a
model costs the loop nothing, so one process keeps dozens in flight; and a
kill of the sweep takes every trial down with it, so a resume never races a
worker still writing into a trial folder. A process pool was measured and
left out: it only pays for CPU-bound offline trials (about 0.1 s of CPU each,
mostly litellm's per-call overhead), and for those ``--backend ray`` already
spreads trials over every core (``benchmarks/sweep.py --offline 40`` on two
cores: 13 trials/s here, 21 on a local Ray).
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
