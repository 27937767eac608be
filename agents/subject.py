"""The subject: the AI under test, an LLM agent with the scenario's goal and schedule."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from insider_sim.agents.llm_agent import LLMAgent
from insider_sim.agents.prompts import subject_system_prompt
from insider_sim.agents.spec import SubjectSpec
from insider_sim.simulation.core.clock import parse_duration

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation


class Subject(LLMAgent):
    """The AI under test. Its model is the run's ``--model`` or a reference policy."""

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

    def start(self, sim: Simulation) -> None:
        """Start mail handling and the wake schedule."""
        super().start(sim)
        for when in self.spec.wake:
            sim.env.process(self._scheduled(sim.calendar.parse(when)))

    def _scheduled(self, t: float) -> Generator[Any, Any, None]:
        env, end = self.sim.env, self.sim.calendar.end
        every = parse_duration(self.spec.wake_every) if self.spec.wake_every else None
        while t < end:
            if t >= env.now:
                yield env.timeout(t - env.now)
                self.wake("scheduled check-in")
            if every is None:
                return
            t += every
