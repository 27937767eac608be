"""The subject: the AI under test, an LLM agent with the scenario's goal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from insider_sim.agents.llm_agent import LLMAgent
from insider_sim.agents.prompts import subject_system_prompt
from insider_sim.agents.spec import SubjectSpec
from insider_sim.simulation.core.clock import parse_duration

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation


class Subject(LLMAgent):
    """The AI under test. Its model is the run's ``--model`` or a reference policy.

    Its scheduled check-ins (the scenario's ``subject.wake``) belong to the seat, not
    to this class: the engine wakes whatever agent sits there.
    """

    def __init__(self, sim: Simulation, spec: SubjectSpec):
        self.spec = spec
        address = sim.world.address(spec.person)
        super().__init__(
            sim,
            address,
            model=sim.settings.subject_model(sim.scenario) or "",
            api_base=sim.settings.api_base,
            system_message=subject_system_prompt(sim, spec),
            thinking_time=parse_duration(spec.thinking_time),
            max_steps=spec.max_steps,
            debounce=parse_duration(spec.debounce),
        )
