"""The local backend: trials as asyncio tasks on the sweep's own event loop.

Every trial awaits ``Simulation.arun`` on one loop, so a slow model call of
one trial never holds up another, and a kill of the sweep takes every trial
down with it (a resume never races a trial still running elsewhere).
"""

from __future__ import annotations

from typing import Any

from simulation.sweep.trial import TrialJob, run_trial


class LocalBackend:
    """Runs trials in this process."""

    async def execute(self, job: TrialJob) -> dict[str, Any]:
        """Run one trial on the running event loop."""
        return await run_trial(job)

    def close(self) -> None:
        """Nothing to release."""
