"""The simulation: a SimPy environment driven from asyncio, with its world, cast and log.

    sim = Simulation.from_scenario("summitbridge", seed=1)
    sim.run(until="Wed 12:00")
    sim.inject(at="Wed 14:00", event=InjectWake(note="check the board memo"))
    sim.run()

``run`` can stop and continue; ``inject`` refuses times already passed.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Generator
from datetime import datetime
from pathlib import Path
from typing import Any

import simpy
from insider_sim.agents.base import Agent
from insider_sim.agents.llm_agent import LLMAgent
from insider_sim.agents.models.cache import ResponseCache, RunCache
from insider_sim.agents.models.recording import CallRecorder, JsonlCallRecorder, MemoryCallRecorder
from insider_sim.simulation.core.bridge import Bridge, RunAborted
from insider_sim.simulation.core.event_log import EventLog
from insider_sim.simulation.core.events import RunEnded, RunStarted, Wake
from insider_sim.simulation.core.run_folder import RunFolder, package_versions, write_json_atomic
from insider_sim.simulation.engine.settings import RunSettings, check_model_args
from insider_sim.simulation.scenario.format import Scenario, check_injection, load_scenario
from insider_sim.simulation.scenario.injections import AnyInjection, InjectEmail
from insider_sim.world.errors import WorldError
from insider_sim.world.spec import HistoryEmailSpec, TimeSpec
from insider_sim.world.world import World


class InjectionError(ValueError):
    """An injection that cannot be scheduled (a time already passed, an unknown person)."""


class Simulation:
    """One run of a scenario: clock, world, agents, event log and run folder."""

    def __init__(
        self,
        scenario: Scenario,
        settings: RunSettings | None = None,
        *,
        folder: RunFolder | None = None,
        parents: list[Path] | None = None,
        lineage: dict[str, Any] | None = None,
    ):
        """Build the world and cast; nothing happens until :meth:`run`."""
        from insider_sim.simulation.engine.cast import build_cast, readers_of

        self.scenario = scenario
        self.settings = settings or RunSettings()
        self.calendar = scenario.calendar
        self.folder = folder
        self.env = simpy.Environment()
        self.rng = random.Random(self.settings.seed)
        self.log = EventLog(self.calendar, folder.events if folder else None)
        self.bridge = Bridge(self.env)
        self.recorder: CallRecorder = (
            JsonlCallRecorder(folder.llm_calls) if folder else MemoryCallRecorder()
        )
        cache_dir = self.settings.cache_dir
        self.cache = RunCache(
            own=ResponseCache(folder.responses) if folder else None,
            shared=ResponseCache(cache_dir) if cache_dir is not None else None,
            parents=[ResponseCache(p) for p in parents or []],
        )
        self.lineage = lineage
        self.injected: list[dict[str, Any]] = []
        self.world = World(
            scenario, self.env, self.log, self.rng, readers=readers_of(scenario, self.settings)
        )
        self.cast: list[Agent] = build_cast(self)
        self.agents: dict[str, Agent] = {}
        self._started = False
        self._finished = False
        self.aborted: str | None = None  # why the run stopped early, if it did
        self._thinks = True
        self._pending: list[tuple[float, AnyInjection, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wall_start = datetime.now()
        self._wall_seconds = 0.0
        self.end = (
            self.calendar.end
            if self.settings.until is None
            else self.calendar.parse(self.settings.until)
        )

    @classmethod
    def from_scenario(
        cls,
        scenario: str | Path | Scenario | None = None,
        *,
        conditions: dict[str, str] | None = None,
        out: Path | None = None,
        write: bool = True,
        **settings: Any,
    ) -> Simulation:
        """Load a scenario by name or path and prepare a run (in a run folder if ``write``)."""
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, conditions)
        run_settings = RunSettings(**settings)
        folder = RunFolder.create(out, scenario.name, run_settings.seed) if write else None
        return cls(scenario, run_settings, folder=folder)

    # -- time ------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.env.now

    @property
    def clock(self) -> str:
        """The current simulated moment as ``"Tue 14:00"``."""
        return self.calendar.label(self.env.now)

    def time_of(self, when: TimeSpec) -> float:
        """Simulated seconds for a time written in any accepted form."""
        return self.calendar.parse(when, now=self.env.now)

    # -- injection -------------------------------------------------------
    def inject(self, at: TimeSpec | None, event: AnyInjection, *, source: str = "api") -> None:
        """Schedule ``event`` at ``at`` (or its own ``at``); refuses times already passed."""
        when = at if at is not None else event.at
        if when is None:
            raise InjectionError(f"{event.kind} injection needs a time")
        t = self.time_of(when)
        if t < self.env.now:
            raise InjectionError(
                f"cannot inject {event.kind} at {self.calendar.label(t)} "
                f"({self.calendar.iso(t)}): the run is already at {self.clock}"
            )
        if t > self.calendar.end:
            raise InjectionError(f"cannot inject at {when!r}: after the end of the run")
        if event.kind == "wake" and event.agent is None and self.scenario.subject is None:
            raise InjectionError("cannot inject a wake-up: the scenario has no subject to wake")
        problems = check_injection(
            self.scenario, self.world.directory, event.model_copy(update={"at": t}), source
        )
        if problems:
            raise InjectionError("; ".join(problems))
        if source != "scenario":
            self.injected.append({"t": t, "source": source, **event.model_dump(mode="json")})
        if self._started:
            self.env.process(self._apply_at(t, event))
        else:
            self._pending.append((t, event, source))

    def _apply_at(self, t: float, event: AnyInjection) -> Generator[Any, Any, None]:
        if t > self.env.now:
            yield self.env.timeout(t - self.env.now)
        self.apply(event)

    def apply(self, event: AnyInjection) -> None:
        """Carry out an injection now."""
        world = self.world
        try:
            if event.kind == "email":
                self._send(event, injected=True)
            elif event.kind == "availability":
                world.set_available(event.person, event.available, event.reason, injected=True)
            elif event.kind == "document":
                world.add_document(event.document, injected=True)
            elif event.kind == "system":
                world.change_system(
                    None,
                    event.system,
                    event.action,
                    to=self.time_of(event.to) if event.to is not None else None,
                    by=self.time_of("+" + event.by) - self.env.now if event.by else None,
                    reason=event.reason,
                    injected=True,
                )
            elif event.kind == "wake":
                target = world.address(event.agent) if event.agent else self.subject_address
                if target is None:
                    raise WorldError("no agent to wake: the scenario has no subject")
                agent = self.agents.get(target)
                note = event.note or "injected wake-up"
                if isinstance(agent, LLMAgent):
                    agent.wake(note, injected=True)
                else:  # nobody acts on it, but the log still says it happened
                    world.emit(Wake(agent=target, reason=note, injected=True))
        except WorldError as exc:
            raise InjectionError(f"{event.kind} injection at {self.clock} failed: {exc}") from None

    @property
    def subject_address(self) -> str | None:
        """The AI under test's address, if the scenario has one."""
        s = self.scenario.subject
        return self.world.address(s.person) if s else None

    # -- running ---------------------------------------------------------
    def run(self, until: TimeSpec | None = None) -> Simulation:
        """Advance to ``until`` (default: the end); can be called again to continue.

        Raises `RunAborted` when a model refuses the run's requests outright (see
        `agents.models.ModelSetupError`); the run folder then says ``"aborted"``.
        """
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self.arun(until))
        return self

    async def arun(self, until: TimeSpec | None = None) -> None:
        """The asyncio form of :meth:`run`, for callers already inside an event loop."""
        target = self.end if until is None else min(self.time_of(until), self.end)
        if target < self.env.now:
            raise ValueError(f"cannot run until {until!r}: the run is already at {self.clock}")
        wall = time.perf_counter()
        try:
            if not self._started:
                self._start()
            await self._advance(target)
            if target >= self.end and not self._finished:
                self._finish()
        except RunAborted as exc:
            self.aborted = str(exc)
            raise
        finally:
            self._wall_seconds += time.perf_counter() - wall
            self.log.flush()
            self._write_manifest()

    async def _advance(self, target: float) -> None:
        env, bridge = self.env, self.bridge
        if not self._thinks:  # no LLM agent: SimPy's own loop, nothing to await
            if env.now < target:
                env.run(until=target)
            return
        step = env.step
        while True:
            if bridge.busy:
                await bridge.settle()
            if env.peek() >= target:
                break
            step()
            while not bridge.busy and env.peek() < target:
                step()
        if env.now < target:
            env.run(until=target)

    def _start(self) -> None:
        self._started = True
        subject = self.subject_address
        self.log.append(
            RunStarted(
                scenario=self.scenario.name,
                seed=self.settings.seed,
                conditions=self.scenario.chosen,
                subject=subject,
            ),
            0.0,
        )
        if self.folder is not None:
            self.folder.scenario.write_text(
                self.scenario.model_dump_json(indent=2, by_alias=True), encoding="utf-8"
            )
        self._deliver_history()
        self.world.start_systems()
        for agent in self.cast:
            self.agents[agent.address] = agent
            agent.start(self)
        self._thinks = any(isinstance(a, LLMAgent) for a in self.cast)
        self.world.rewired()
        for injection in self.scenario.timeline:
            if self.time_of(injection.at) <= self.calendar.end:  # a shortened run skips the rest
                self.inject(injection.at, injection, source="scenario")
        for t, event, _source in sorted(self._pending, key=lambda item: item[0]):
            self.env.process(self._apply_at(t, event))
        self._pending.clear()

    def _deliver_history(self) -> None:
        history = sorted(
            enumerate(self.scenario.history), key=lambda item: (self.time_of(item[1].at), item[0])
        )
        for _, mail in history:
            t = self.time_of(mail.at)
            if t <= 0:
                self._send(mail, sent_at=t)
            else:
                self.env.process(self._later(t, mail))

    def _send(
        self,
        mail: InjectEmail | HistoryEmailSpec,
        *,
        injected: bool = False,
        sent_at: float | None = None,
    ) -> None:
        """Send an email written in the scenario or injected into the run."""
        self.world.send(
            mail.sender,
            mail.to,
            mail.subject,
            mail.body,
            cc=mail.cc,
            bcc=mail.bcc,
            attachments=mail.attachments,
            injected=injected,
            sent_at=sent_at,
        )

    def _later(self, t: float, mail: HistoryEmailSpec) -> Generator[Any, Any, None]:
        yield self.env.timeout(t - self.env.now)
        self._send(mail, sent_at=t)

    def _finish(self) -> None:
        self._finished = True
        self.log.append(RunEnded(messages=self.log.counts.get("message", 0)), self.env.now)

    def set_replay_only(self, replay_only: bool) -> None:
        """Answer model calls only from recorded responses (True), or call models again."""
        self.settings.replay_only = replay_only  # clients made later (a new model) follow
        for agent in self.agents.values():
            client = getattr(agent, "client", None)
            if client is not None:
                client.replay_only = replay_only

    def replace_subject_model(
        self,
        model: str,
        api_base: str | None = None,
        model_args: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> None:
        """Put another model (or the same with other ``model_args`` or ``max_tokens``) in
        the subject's seat; ValueError for arguments a run cannot take."""
        subject = self.agents.get(self.subject_address or "")
        if not isinstance(subject, LLMAgent):
            raise ValueError("this run has no subject to give a model to")
        args = check_model_args(dict(model_args or {}))
        if max_tokens is not None and "max_tokens" in args:
            raise ValueError("max_tokens is given twice: as a setting and as a model argument")
        self.settings.model = model
        self.settings.api_base = api_base
        self.settings.model_args = args
        self.settings.max_tokens = max_tokens
        subject.use_model(model, api_base)

    def fork(self, at: TimeSpec, *, out: Path | None = None) -> Simulation:
        """A new run that replays this one up to ``at`` and waits there, paused."""
        from insider_sim.simulation.engine.replay import fork_run

        if self.folder is None:
            raise ValueError("only a run with a run folder can be forked")
        self.log.flush()
        self._write_manifest()
        return fork_run(self.folder.path, at, out=out)

    def close(self) -> None:
        """Close the log and the event loop."""
        self.log.close()
        loop = self._loop
        if loop is not None:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    # -- records ---------------------------------------------------------
    def _write_manifest(self) -> None:
        if self.folder is None:
            return
        s = self.scenario
        manifest = {
            "scenario": s.name,
            "scenario_file": s.source,
            "scenario_sha256": s.source_hash,
            "conditions": s.chosen,
            "seed": self.settings.seed,
            "models": self.settings.models_summary(s),
            "settings": self.settings.model_dump(mode="json", exclude={"api_key"}),
            "versions": package_versions(),
            "simulated_start": self.calendar.iso(0),
            "simulated_end": self.calendar.iso(self.end),
            "simulated_now": self.calendar.iso(self.env.now),
            "status": "aborted" if self.aborted else "finished" if self._finished else "paused",
            "events": self.log.next_seq,
            "event_counts": dict(sorted(self.log.counts.items())),
            "wall_started": self._wall_start.isoformat(timespec="seconds"),
            "wall_seconds": round(self._wall_seconds, 3),
            "model_calls": self.bridge.model_calls,
            "errors": self.log.counts.get("agent_error", 0),
        }
        if self.aborted:
            manifest["aborted"] = self.aborted
        if self.lineage:
            manifest["fork"] = self.lineage
        write_json_atomic(self.folder.manifest, manifest)
        write_json_atomic(self.folder.injections, self.injected)

    def summary(self) -> dict[str, Any]:
        """Messages per day, top senders, and who saw each tracked item."""
        from insider_sim.simulation.engine.summary import summarize

        return summarize(self)

    def __repr__(self) -> str:
        return f"<Simulation {self.scenario.name!r} seed={self.settings.seed} at {self.clock}>"
