"""The Ray backend: each trial a Ray task running
:func:`~insider_sim.simulation.sweep.trial.run_trial`.

Needs the optional extra: ``pip install 'insider-sim[ray]'``. Without an
address it starts a local Ray instance (every core of this machine); with
one it joins that cluster, whose nodes must have insider-sim installed and
see the sweep folder and the response cache at the same paths (a shared
filesystem). Records come back to this process, which alone writes
``trials.jsonl``, so results match the local backend's for the same grid.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from urllib.parse import urlsplit

from insider_sim.simulation.sweep.runner import SweepError
from insider_sim.simulation.sweep.trial import TrialJob, run_trial

_loop: asyncio.AbstractEventLoop | None = None
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's head before giving up


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail at once, naming ``address``, when nothing listens there.

    Ray itself keeps retrying an unreachable head for minutes. Addresses
    without a port (``auto``, ``local``) are left to Ray.
    """
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise SweepError(f"bad Ray address {address!r}: the port is not a number") from None
    if not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise SweepError(f"cannot reach Ray at {address}: {exc}") from None


def run_trial_blocking(job: TrialJob) -> dict[str, Any]:
    """:func:`run_trial` outside asyncio, as a Ray task runs it.

    The trials of one worker process share one event loop: litellm binds its
    logging worker to the first loop it sees.
    """
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    return _loop.run_until_complete(run_trial(job))


class RayBackend:
    """Runs trials as Ray tasks, one CPU each."""

    def __init__(self, address: str | None = None):
        try:
            import ray
        except ImportError:
            raise SweepError("the Ray backend needs Ray: pip install 'insider-sim[ray]'") from None
        self._ray = ray
        self._owns = not ray.is_initialized()
        try:
            if self._owns and address:
                check_reachable(address)
                ray.init(address=address, log_to_driver=False)
            elif self._owns:
                ray.init(include_dashboard=False, log_to_driver=False)
        except ConnectionError as exc:
            raise SweepError(f"cannot reach Ray at {address}: {exc}") from None
        self._task = ray.remote(num_cpus=1)(run_trial_blocking)

    async def execute(self, job: TrialJob) -> dict[str, Any]:
        """Run one trial as a Ray task and await its record."""
        return await self._task.remote(job)

    def close(self) -> None:
        """Disconnect, if this backend connected (a local instance it started stops)."""
        if self._owns:
            self._ray.shutdown()
