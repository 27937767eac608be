"""The process backend: trials spread over worker processes, each an event loop.

One process runs out of CPU long before a model server's latency is the limit
(litellm's per-call work, the engine, the verdicts and the report take some
90 ms of CPU a trial), so a sweep against a fast or local server waits for its
own process. Each worker runs many trials at once on its own event loop, as the
local backend does; the sweep's process hands each trial to the worker with the
fewest in flight and alone writes ``trials.jsonl``. A worker whose sweep process
is gone (its pipe closed) stops, with its trials, so a resume never races it.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

from insider_sim.simulation.sweep.runner import SweepError
from insider_sim.simulation.sweep.trial import TrialJob, run_trial


class ProcessBackend:
    """Runs trials in ``workers`` processes (default: one per core), started at the
    first trial and kept until :meth:`close`."""

    def __init__(self, workers: int | None = None):
        if workers is not None and workers < 1:
            raise SweepError("workers must be at least 1")
        self.workers = workers or os.cpu_count() or 1
        self._procs: list[Any] = []
        self._conns: list[Connection] = []
        self._busy: list[int] = []
        self._pending: dict[int, tuple[int, asyncio.Future[dict[str, Any]]]] = {}
        self._ids = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of this process's threads
        for _ in range(self.workers):
            ours, theirs = context.Pipe()
            proc = context.Process(target=_serve, args=(theirs,), daemon=True)
            proc.start()
            theirs.close()
            self._procs.append(proc)
            self._conns.append(ours)
            self._busy.append(0)

    def _listen(self) -> None:
        """Read results on the running loop (a sweep's loop may be a new one)."""
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        if self._loop is not None and not self._loop.is_closed():
            for conn in self._conns:
                self._loop.remove_reader(conn.fileno())
        self._loop = loop
        for index, conn in enumerate(self._conns):
            loop.add_reader(conn.fileno(), self._receive, index)

    def _receive(self, index: int) -> None:
        try:
            job_id, record, error = self._conns[index].recv()
        except (EOFError, OSError):
            assert self._loop is not None
            self._loop.remove_reader(self._conns[index].fileno())
            for job_id, (worker, future) in list(self._pending.items()):
                if worker == index and not future.done():
                    future.set_exception(SweepError(f"sweep worker {index} stopped"))
                    del self._pending[job_id]
            return
        worker, future = self._pending.pop(job_id)
        self._busy[worker] -= 1
        if error is not None:
            future.set_exception(SweepError(f"sweep worker {worker} failed: {error}"))
        elif not future.done():
            future.set_result(record)

    async def execute(self, job: TrialJob) -> dict[str, Any]:
        """Run one trial in the least busy worker; its record comes back."""
        if not self._procs:
            self._start()
        self._listen()
        worker = min(range(self.workers), key=self._busy.__getitem__)
        job_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[job_id] = (worker, future)
        self._busy[worker] += 1
        self._conns[worker].send((job_id, job))
        return await future

    def close(self) -> None:
        """Stop the workers (each finishes nothing more) and wait for them."""
        if self._loop is not None and not self._loop.is_closed():
            for conn in self._conns:
                self._loop.remove_reader(conn.fileno())
        for conn in self._conns:
            conn.close()
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
        self._procs, self._conns, self._busy = [], [], []


def _serve(conn: Connection) -> None:
    """A worker: run every trial it is sent on one event loop until its pipe closes."""
    asyncio.run(_serve_async(conn))


async def _serve_async(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    closed = loop.create_future()
    tasks: set[asyncio.Task[None]] = set()

    async def one(job_id: int, job: TrialJob) -> None:
        try:
            record, error = await run_trial(job), None
        except Exception as exc:  # a bug, not a trial's failure: the sweep stops on it
            record, error = None, f"{type(exc).__name__}: {exc}"
        conn.send((job_id, record, error))

    def receive() -> None:
        try:
            job_id, job = conn.recv()
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            if not closed.done():
                closed.set_result(None)
            return
        task = loop.create_task(one(job_id, job))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    loop.add_reader(conn.fileno(), receive)
    await closed
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
