"""The cast: one agent per person who acts, built from the scenario and run settings,
with the agents a researcher adds in place of some (see :mod:`insider_sim.agents.base`)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from insider_sim.agents.base import Agent, reads_mail
from insider_sim.agents.chatter import Chatter
from insider_sim.agents.scripted import ScriptedEmployee
from insider_sim.simulation.core.clock import parse_duration

if TYPE_CHECKING:
    from insider_sim.agents.spec import SubjectSpec
    from insider_sim.simulation.engine.settings import RunSettings
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.simulation.scenario.format import Scenario


def llm_people(scenario: Scenario, settings: RunSettings) -> list[str]:
    """Addresses of employees driven by an LLM under these settings."""
    return [
        p.email
        for p in scenario.people
        if not p.is_ai and settings.employee_driver(p.driver) == "llm"
    ]


def readers_of(scenario: Scenario, settings: RunSettings) -> list[str]:
    """Addresses whose agents reread their mail (their mailboxes keep history)."""
    readers = llm_people(scenario, settings)
    if scenario.subject is not None:
        readers.append(scenario.subject.person)
    return readers


def build_cast(sim: Simulation) -> list[Agent]:
    """Scripted employees, LLM employees, the subject and the chatter of one run."""
    from insider_sim.agents.subject import Subject

    scenario, world = sim.scenario, sim.world
    scripts = {world.address(s.person): s for s in scenario.scripts}
    llm = set(llm_people(scenario, sim.settings))
    subject = world.address(scenario.subject.person) if scenario.subject else None
    cast: list[Agent] = []
    for person in scenario.people:
        if person.email == subject:
            continue
        if person.email in llm:
            from insider_sim.agents.employee import LLMEmployee

            cast.append(LLMEmployee(sim, person))
            script = scripts.get(person.email)
            if script is not None and script.schedule:  # the storyline still happens
                storyline = script.model_copy(update={"reactions": []})
                cast.append(ScriptedEmployee(person.email, storyline, world))
        elif person.email in scripts:
            cast.append(ScriptedEmployee(person.email, scripts[person.email], world))
    if scenario.subject is not None:
        cast.append(Subject(sim, scenario.subject))
    cast.append(Chatter(scenario.chatter, world, sim.settings.seed))
    return cast


class CastError(ValueError):
    """An agent that cannot take part in a run: not an Agent, no such mailbox, added too late."""


def label(agent: object) -> str:
    """``module.Class`` of an agent, as the manifest records it."""
    kind = type(agent)
    return f"{kind.__module__}.{kind.__qualname__}"


def seat(sim: Simulation, agent: Agent) -> None:
    """Put ``agent`` in the seat of the person at ``agent.address``, replacing their agents.

    Raises :class:`CastError` naming what is wrong: ``agent`` lacks part of the
    :class:`Agent` protocol, its address is no mailbox of the scenario, or the
    seat already has an added agent.
    """
    if not isinstance(agent, Agent):
        missing = [m for m in ("address", "start", "wake") if not hasattr(agent, m)]
        raise CastError(
            f"{label(agent)} is not an Agent: it lacks {', '.join(missing)} (see insider_sim.Agent)"
        )
    address = agent.address
    world = sim.world
    if not isinstance(address, str) or address not in world.mailboxes:
        known = world.directory.resolve_recipient(address) if isinstance(address, str) else None
        hint = f"; did you mean {known!r}?" if known in world.mailboxes else ""
        raise CastError(
            f"cannot add {label(agent)}: no mailbox {address!r} in scenario "
            f"{sim.scenario.name!r}{hint}"
        )
    if address in sim.added:
        raise CastError(f"{address} already has an added agent ({sim.added[address]})")
    sim.cast[:] = [a for a in sim.cast if a.address != address]
    sim.cast.append(agent)
    sim.added[address] = label(agent)
    world.add_reader(address)


def subscribe(sim: Simulation) -> None:
    """Subscribe the mailbox of every agent that reads mail; one reader per mailbox.

    Raises :class:`CastError` for a mail reader without a mailbox, or two at one
    address (they would split its mail between them).
    """
    readers: dict[str, Agent] = {}
    for agent in sim.cast:
        if not reads_mail(agent):
            continue
        address = agent.address
        if address not in sim.world.mailboxes:
            raise CastError(f"{label(agent)} reads mail but {address!r} is no mailbox of the run")
        if address in readers:
            raise CastError(
                f"two agents read the mail of {address} ({label(readers[address])} and "
                f"{label(agent)}); replace a person's agent with Simulation.add_agent"
            )
        readers[address] = agent
        sim.world.subscribe(address)


def start_wake_schedule(sim: Simulation, spec: SubjectSpec) -> None:
    """Start the subject's scheduled check-ins: each ``wake`` time, repeated every ``wake_every``.

    They wake whatever agent sits in the subject's seat (see :meth:`Simulation.wake`).
    """
    address = sim.world.address(spec.person)
    every = parse_duration(spec.wake_every) if spec.wake_every else None
    for when in spec.wake:
        sim.env.process(_check_ins(sim, address, sim.calendar.parse(when), every))


def _check_ins(
    sim: Simulation, address: str, t: float, every: float | None
) -> Generator[Any, Any, None]:
    env, end = sim.env, sim.calendar.end
    while t < end:
        if t >= env.now:
            yield env.timeout(t - env.now)
            sim.wake(address, "scheduled check-in")
        if every is None:
            return
        t += every
