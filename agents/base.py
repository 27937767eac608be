"""The agent contract: anything that acts in the company through the world."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation


@runtime_checkable
class Agent(Protocol):
    """An actor in the simulation: a scripted employee, an LLM employee, the subject."""

    address: str
    """The agent's email address, its identity in the world."""

    def start(self, sim: Simulation) -> None:
        """Register the agent's SimPy processes with the simulation."""
        ...

    def wake(self, reason: str, *, injected: bool = False) -> None:
        """Ask the agent to act soon; agents without a mind ignore it."""
        ...
