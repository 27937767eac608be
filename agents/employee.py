"""LLM employees: people whose replies an LLM writes, in their persona."""

from __future__ import annotations

from typing import TYPE_CHECKING

from insider_sim.agents.llm_agent import LLMAgent
from insider_sim.agents.prompts import employee_system_prompt
from insider_sim.simulation.core.clock import parse_duration

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.world.spec import PersonSpec


class LLMEmployee(LLMAgent):
    """An AutoGen agent with a persona and the email tools; sees only what the graph delivers."""

    def __init__(self, sim: Simulation, person: PersonSpec):
        settings = sim.settings
        super().__init__(
            sim,
            person.email,
            model=settings.employee_model_for(person.model),
            api_base=settings.employee_api_base,
            system_message=employee_system_prompt(sim, person),
            thinking_time=parse_duration(settings.employee_thinking_time),
            max_steps=settings.employee_max_steps,
            debounce=parse_duration("2m"),
            check_every=parse_duration(settings.employee_check_every),
        )
