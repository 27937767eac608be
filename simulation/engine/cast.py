"""The cast: one agent per person who acts, built from the scenario and run settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from insider_sim.agents.base import Agent
from insider_sim.agents.chatter import Chatter
from insider_sim.agents.scripted import ScriptedEmployee

if TYPE_CHECKING:
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
    cast.append(Chatter(scenario.chatter, world, sim.rng))
    return cast
