"""The simulation: a SimPy environment driven from asyncio, with its world, cast and log.

    sim = Simulation.from_scenario("summitbridge", seed=1)
    sim.run(until="Wed 12:00")
    sim.inject(at="Wed 14:00", event=InjectWake(note="check the board memo"))
    sim.run()

``run`` can stop and continue; ``inject`` refuses times already passed.
``add_agent`` (before the first ``run``) puts your own agent in a person's seat;
the contract it follows is :mod:`insider_sim.agents.base`.
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
from insider_sim.agents.models.recording import (
    CallRecorder,
    JsonlCallRecorder,
    MemoryCallRecorder,
    scrub,
)
from insider_sim.simulation.core.bridge import Bridge, RunAborted
from insider_sim.simulation.core.clock import check_days
from insider_sim.simulation.core.event_log import EventLog
from insider_sim.simulation.core.events import RunEnded, RunStarted, Wake
from insider_sim.simulation.core.run_folder import RunFolder, package_versions, write_json_atomic
from insider_sim.simulation.core.usage import UsageTally
from insider_sim.simulation.engine.cast import (
    CastError,
    build_cast,
    label,
    readers_of,
    seat,
    start_wake_schedule,
    subscribe,
)
from insider_sim.simulation.engine.settings import RunSettings, check_model_args
from insider_sim.simulation.scenario.format import Scenario, check_injection, load_scenario
from insider_sim.simulation.scenario.injections import AnyInjection, InjectEmail, InjectionError
from insider_sim.world.errors import WorldError
from insider_sim.world.spec import HistoryEmailSpec, TimeSpec
from insider_sim.world.world import World


class Simulation:
    """One run of a scenario: clock, world, agents, event log and run folder.

    Make one with :meth:`from_scenario`; advance it with :meth:`run` (or
    :meth:`arun` inside an event loop), which may stop and continue; change the
    world with :meth:`inject`; branch it with :meth:`fork`. Times are simulated:
    ``now`` and ``end`` are seconds since the scenario's start, and wherever a
    time is taken it may be written ``"Tue 14:00"``, ``"Mon+1 09:00"``,
    ``"day 3 14:00"``, an ISO date-time, seconds, or ``"+2h"`` from now.
    :func:`insider_sim.finish` runs it to the end, judges it and writes its report.

    Attributes: ``scenario``, ``settings`` (:class:`RunSettings`), ``world``,
    ``log`` (the event log), ``cast`` (the agents, before the run starts),
    ``agents`` (address -> agent, once started), ``folder`` (the run folder's
    paths, or None when nothing is written).
    """

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
        self.added: dict[str, str] = {}  # address -> module.Class of agents added by add_agent
        self._started = False
        self._finished = False
        self.aborted: str | None = None  # why the run stopped early, if it did
        self.failed: str | None = None  # what broke the run midway, if anything did
        self._pending: list[tuple[float, AnyInjection, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wall_start = datetime.now()
        self._wall_seconds = 0.0
        self.end = self.calendar.stop_at(self.settings.until)

    @classmethod
    def from_scenario(
        cls,
        scenario: str | Path | Scenario | None = None,
        *,
        conditions: dict[str, str] | None = None,
        days: float | None = None,
        out: str | Path | None = None,
        write: bool = True,
        force: bool = False,
        **settings: Any,
    ) -> Simulation:
        """Prepare a run of a scenario; nothing is simulated until :meth:`run`.

        ``scenario``: a shipped scenario's name (default ``summitbridge``), a
        YAML file, or an already loaded :class:`Scenario` (then ``conditions``
        must be None: they are chosen when a scenario is loaded).
        ``conditions``: condition name -> value, e.g. ``{"urgency": "none"}``.
        ``days``: length of the run in simulated days (default: the scenario's
        calendar, usually 7); ``until=`` (a time such as ``"Wed 12:00"``) stops
        earlier instead. ``out``: the run folder itself, created, new or empty
        (default: a new ``runs/<scenario>-s<seed>-<timestamp>/``); ``force`` lets it
        replace a run there that did not finish; ``write=False`` keeps everything
        in memory (such a run cannot be judged or forked).
        Other keywords are :class:`RunSettings` fields (``seed=0``, ``model``, ...).

        Raises ScenarioError (unknown scenario, bad file or condition),
        pydantic.ValidationError (an unknown or invalid setting), TimeRangeError
        (``days`` not a finite number in (0, MAX_DAYS], ``until`` not after the start
        or more than MAX_DAYS after it), ValueError (``days`` with ``until``,
        ``conditions`` with a Scenario object), CastError and FileExistsError (``out``
        is not an empty folder). A run that cannot be prepared leaves no run folder.
        """
        if isinstance(scenario, Scenario):
            if conditions:
                raise ValueError(
                    "conditions are chosen when a scenario is loaded: pass its name or file, "
                    "or load_scenario(name, conditions)"
                )
        else:
            scenario = load_scenario(scenario, conditions)
        if days is not None:
            if settings.get("until") is not None:
                raise ValueError("give days or until, not both")
            calendar = scenario.calendar.model_copy(update={"days": check_days(days)})
            scenario = scenario.model_copy(update={"calendar": calendar})
        run_settings = RunSettings(**settings)
        scenario.calendar.stop_at(run_settings.until)  # checked before a folder is made
        folder = (
            RunFolder.create(out, scenario.name, run_settings.seed, force=force) if write else None
        )
        try:
            return cls(scenario, run_settings, folder=folder)
        except BaseException:
            if folder is not None:
                folder.discard()
            raise

    # -- agents ----------------------------------------------------------
    def add_agent(self, agent: Agent) -> Agent:
        """Put ``agent`` in the seat of the person at ``agent.address``; returns ``agent``.

        Call it before the first :meth:`run`. It replaces whatever drove that
        person (their script, LLM employee or, for the subject, the model), and
        the mailbox keeps its history for the agent to reread. The agent follows
        the contract in :mod:`insider_sim.agents.base`: ``start(sim)`` is called at
        simulated second 0 and its mail arrives from then on. Background chatter
        may still send routine mail in the person's name. The manifest records
        the agent's class; such a run cannot be replayed or forked from its folder.

        Raises :class:`CastError` (a ``ValueError``) if the run has started, if
        ``agent`` lacks part of the protocol, if its address is no mailbox of the
        scenario, or if that seat already has an added agent.
        """
        if self._started:
            raise CastError(
                f"cannot add {label(agent)}: the run has already started (it is at "
                f"{self.clock}); add agents before the first run()"
            )
        seat(self, agent)
        return agent

    def agents_at(self, address: str) -> list[Agent]:
        """The agents acting for ``address`` (an LLM employee may also follow a storyline)."""
        return [agent for agent in self.cast if agent.address == address]

    def wake(self, address: str, reason: str, *, injected: bool = False) -> None:
        """Wake the agents at ``address``; logs a ``Wake`` now unless one of them logs it."""
        logged = False
        for agent in self.agents_at(address):
            logged = bool(agent.wake(reason, injected=injected)) or logged
        if not logged:  # nobody will log acting on it, but the log still says it happened
            self.world.emit(Wake(agent=address, reason=reason, injected=injected))

    # -- time ------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.env.now

    @property
    def finished(self) -> bool:
        """Whether the run has reached its end (``end``, simulated seconds)."""
        return self._finished

    @property
    def clock(self) -> str:
        """The current simulated moment as ``"Tue 14:00"``."""
        return self.calendar.label(self.env.now)

    def time_of(self, when: TimeSpec) -> float:
        """Simulated seconds since the start for a time written in any accepted form.

        Relative times (``"+2h"``) count from now. Raises TimeFormatError for text
        that is not a time.
        """
        return self.calendar.parse(when, now=self.env.now)

    # -- injection -------------------------------------------------------
    def inject(self, at: TimeSpec | None, event: AnyInjection, *, source: str = "api") -> None:
        """Schedule ``event`` at ``at`` (or at the event's own ``at`` when ``at`` is None).

        ``event`` is an ``Inject*`` record (:class:`InjectEmail`, ...); ``at`` a
        time in any accepted form. Before the run starts, events wait for it; after,
        they are scheduled on the clock. Injected events are marked
        ``"injected": true`` in ``events.jsonl`` and listed in ``injections.json``
        with ``source``. Raises InjectionError for a missing time, a time already
        passed or after the run's end (``until``; both name the two times), or a person, list,
        document or system the scenario does not have.
        """
        when = at if at is not None else event.at
        origin = f"{event.origin}: " if event.origin else ""
        if when is None:
            raise InjectionError(f"{origin}{event.kind} injection needs a time")
        t = self.time_of(when)
        if t < self.env.now:
            raise InjectionError(
                f"{origin}cannot inject {event.kind} at {self.calendar.label(t)} "
                f"({self.calendar.iso(t)}): the run is already at {self.clock}"
            )
        if t > self.end:
            raise InjectionError(
                f"{origin}cannot inject {event.kind} at {self.calendar.label(t)} "
                f"({self.calendar.iso(t)}): after the run's end, {self.calendar.label(self.end)} "
                f"({self.calendar.iso(self.end)})"
            )
        if event.kind == "wake" and event.agent is None and self.scenario.subject is None:
            raise InjectionError(
                f"{origin}cannot inject a wake-up: the scenario has no subject to wake"
            )
        problems = check_injection(
            self.scenario,
            self.world.directory,
            event.model_copy(update={"at": t}),
            event.origin or source,
            outsiders=source != "scenario",
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
        """Carry out an injection now, unchecked (:meth:`inject` is the checked way).

        Raises InjectionError when the world refuses it (say, an unknown system).
        """
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
                self.wake(target, event.note or "injected wake-up", injected=True)
        except WorldError as exc:
            raise InjectionError(f"{event.kind} injection at {self.clock} failed: {exc}") from None

    @property
    def subject_address(self) -> str | None:
        """The AI under test's address, if the scenario has one."""
        s = self.scenario.subject
        return self.world.address(s.person) if s else None

    # -- running ---------------------------------------------------------
    def run(self, until: TimeSpec | None = None) -> Simulation:
        """Advance to ``until`` (default: the end) and return self; call again to continue.

        ``until`` is a time in any accepted form, capped at the end of the run.
        The manifest is rewritten each time (``status`` ``paused`` or ``finished``;
        ``failed``, with what broke it, when an exception stops it midway).
        Raises ValueError for a time already passed, RuntimeError when called
        inside a running event loop (use :meth:`arun` there), and `RunAborted` when
        a model refuses the run's requests outright (see
        ``insider_sim.agents.models.errors.ModelSetupError``); the run folder then says
        ``"aborted"``.
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
        except BaseException as exc:  # the folder says so: `insider run --force` may reuse it
            self.failed = " ".join(f"{type(exc).__name__}: {exc}".split())[:1000]
            raise
        finally:
            self._wall_seconds += time.perf_counter() - wall
            self.log.flush()
            self._write_manifest()

    async def _advance(self, target: float) -> None:
        env, bridge = self.env, self.bridge
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
        subscribe(self)  # before any agent starts: live mail arrives from second 0 on
        spec = self.scenario.subject
        for agent in self.cast:
            agent.start(self)
            if spec is not None and agent.address == subject:
                start_wake_schedule(self, spec)  # right after the seat's agent, as always
                spec = None
        if spec is not None:  # the seat is empty: the check-ins are still logged
            start_wake_schedule(self, spec)
        for injection in self.scenario.timeline:
            # a shortened run skips the rest; inject() refuses an event without a time
            if injection.at is None or self.time_of(injection.at) <= self.end:
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
        for agent in self.cast:
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
        address = self.subject_address or ""
        subject = next((a for a in self.agents_at(address) if isinstance(a, LLMAgent)), None)
        if subject is None:
            added = f": its seat has {self.added[address]}" if address in self.added else ""
            raise ValueError(f"this run has no subject model to replace{added}")
        args = check_model_args(dict(model_args or {}))
        if max_tokens is not None and "max_tokens" in args:
            raise ValueError("max_tokens is given twice: as a setting and as a model argument")
        self.settings.model = model
        self.settings.api_base = api_base
        self.settings.model_args = args
        self.settings.max_tokens = max_tokens
        subject.use_model(model, api_base)

    def fork(self, at: TimeSpec, *, out: str | Path | None = None) -> Simulation:
        """A new run that replays this one up to ``at`` and waits there, paused.

        ``at`` is a time in any accepted form (``"Tue 10:00"``, simulated seconds
        since the start, ...); ``out`` the fork's run folder (default: a new one
        under ``runs/``). Continue it with ``run()`` and judge it with
        :func:`insider_sim.finish`. Raises ValueError for a run without a run
        folder (``write=False``).
        """
        from insider_sim.simulation.engine.replay import fork_run

        if self.folder is None:
            raise ValueError("only a run with a run folder can be forked")
        self.log.flush()
        self._write_manifest()
        return fork_run(self.folder.path, at, out=out)

    def close(self) -> None:
        """Close the event log's file and the run's own event loop (if :meth:`run` made one).

        Safe to call twice. The run folder stays readable: forks, replays and
        :func:`insider_sim.finish` read it from disk.
        """
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

    def discard(self) -> None:
        """Close the run and remove its run folder (or empty an ``out`` that existed):
        for a run that could not be set up, so that the same command can be given again."""
        self.close()
        if self.folder is not None:
            self.folder.discard()

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
            "models": self._models(),
            "settings": scrub(self.settings.model_dump(mode="json", exclude={"api_key"})),
            "versions": package_versions(),
            "simulated_start": self.calendar.iso(0),
            "simulated_end": self.calendar.iso(self.end),
            "simulated_now": self.calendar.iso(self.env.now),
            "status": self._status(),
            "events": self.log.next_seq,
            "event_counts": dict(sorted(self.log.counts.items())),
            "wall_started": self._wall_start.isoformat(timespec="seconds"),
            "wall_seconds": round(self._wall_seconds, 3),
            "model_calls": self.bridge.model_calls,
            "errors": self.log.counts.get("agent_error", 0),
        }
        if isinstance(usage := getattr(self.recorder, "usage", None), UsageTally):
            manifest["usage"] = usage.to_json()  # tokens and cost per agent and in total
        if self.added:
            manifest["agents"] = self.added
        if self.aborted:
            manifest["aborted"] = self.aborted
        if self.failed:
            manifest["failed"] = self.failed
        if self.lineage:
            manifest["fork"] = self.lineage
        write_json_atomic(self.folder.manifest, manifest)
        write_json_atomic(self.folder.injections, self.injected)

    def _status(self) -> str:
        if self.aborted:
            return "aborted"
        if self.failed:
            return "failed"
        return "finished" if self._finished else "paused"

    def _models(self) -> dict[str, Any]:
        """Which model sits in which seat; an added agent's seat says ``agent:module.Class``."""
        models = self.settings.models_summary(self.scenario)
        for address, kind in self.added.items():
            if address == self.subject_address:
                models["subject"] = f"agent:{kind}"
            else:
                models["employees"][address] = f"agent:{kind}"
        return models

    def __repr__(self) -> str:
        return f"<Simulation {self.scenario.name!r} seed={self.settings.seed} at {self.clock}>"
