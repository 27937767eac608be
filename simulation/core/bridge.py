"""The LLM bridge: asyncio agent sessions that act in simulated time.

An agent *session* (an AutoGen agent handling one wake-up, say) runs as an
asyncio task. Its model calls pass a *gate*: the request starts at once (so
calls run concurrently), and the session waits until the simulated clock
reaches ``now + thinking_time`` before it sees the answer.

The engine steps SimPy only while every session is parked at a gate, and
before it steps past a gate's due time it awaits that call. Between gates a
session runs while the clock stands still, so its tool calls act on the world
at the simulated moment its answer arrived. Sessions released together run in
the order their gates fell due. So the order of events is a function of
simulated time and model responses alone: replaying the same responses gives
the same event log, however long each call took.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import simpy

T = TypeVar("T")

_current: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "insider_session", default=None
)


@dataclass
class Session:
    """One asyncio task acting for an agent."""

    agent: str
    done: simpy.Event


@dataclass
class _ModelGate:
    task: asyncio.Future[Any]
    future: asyncio.Future[Any]


class SessionError(RuntimeError):
    """A gate was used outside a session."""


class SessionFailed(RuntimeError):
    """An agent's session ended with an error (its text says which)."""


class RunAborted(RuntimeError):
    """An error no later session could escape (a model that refuses the run's requests):
    raised from a session, it stops the whole run instead of failing one session."""


class Bridge:
    """Keeps asyncio sessions and the SimPy clock in step."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self._running = 0
        self._quiet: asyncio.Event | None = None
        self._due: list[_ModelGate] = []
        self.model_calls = 0
        self.rounds = 0  # distinct simulated moments at which answers were handed out
        self.failed_sessions = 0  # sessions that ended with an error or were cancelled
        self._last_release: float | None = None

    # -- used from SimPy processes ----------------------------------------
    def start_session(self, agent: str, work: Callable[[], Coroutine[Any, Any, T]]) -> simpy.Event:
        """Start ``work()`` as a session; the returned SimPy event fires with its result."""
        session = Session(agent, self.env.event())
        self._enter()

        async def runner() -> Any:
            _current.set(session)
            return await work()

        task = asyncio.get_running_loop().create_task(runner())
        task.add_done_callback(lambda t: self._finished(session, t))
        return session.done

    def _finished(self, session: Session, task: asyncio.Task[Any]) -> None:
        self.failed_sessions += task.cancelled() or task.exception() is not None
        if task.cancelled():
            session.done.fail(SessionFailed(f"session of {session.agent} was cancelled"))
        elif (error := task.exception()) is not None:
            # SimPy re-creates the exception from its args, so hand it a plain one
            if isinstance(error, RunAborted):
                failure: RuntimeError = RunAborted(str(error))
            else:
                failure = SessionFailed(f"{type(error).__name__}: {error}")
            failure.__cause__ = error
            session.done.fail(failure)
        else:
            session.done.succeed(task.result())
        self._leave()

    # -- used from inside sessions ----------------------------------------
    @staticmethod
    def current() -> Session:
        """The session the calling coroutine belongs to."""
        session = _current.get()
        if session is None:
            raise SessionError("this call must be made from inside an agent session")
        return session

    async def model_call(self, request: Awaitable[T], thinking_time: float) -> T:
        """Start ``request`` now; return its result once the clock reaches now + thinking time."""
        self.current()  # only a session's coroutines may pass a gate
        self.model_calls += 1
        task = asyncio.ensure_future(request)
        gate = _ModelGate(task, asyncio.get_running_loop().create_future())
        timer = self.env.timeout(thinking_time)
        timer.callbacks.append(lambda _: self._due.append(gate))
        self._leave()
        return await gate.future

    # -- used by the engine ----------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether the engine must settle before its next step."""
        return bool(self._running or self._due)

    async def settle(self) -> None:
        """Run sessions until all are parked, releasing model calls that fell due."""
        while self.busy:
            if self._running:
                await self._wait_quiet()
                continue
            gates = self._due
            self._due = []
            if self._last_release != self.env.now:
                self._last_release = self.env.now
                self.rounds += 1
            for gate in gates:
                try:
                    result = await gate.task
                except Exception as exc:  # the session decides what a failed call means
                    self._enter()
                    gate.future.set_exception(exc)
                else:
                    self._enter()
                    gate.future.set_result(result)

    def _enter(self) -> None:
        self._running += 1

    def _leave(self) -> None:
        self._running -= 1
        if self._running == 0 and self._quiet is not None:
            self._quiet.set()

    async def _wait_quiet(self) -> None:
        self._quiet = asyncio.Event()
        if self._running:
            await self._quiet.wait()
        self._quiet = None
