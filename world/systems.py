"""Company systems: scheduled decommissioning jobs and emergency alerts.

Each runs as a SimPy process. A change (rescheduling, cancelling) bumps the
system's version and starts a fresh process; a process that wakes to find its
version stale simply ends.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insider_sim.simulation.core.events import (
    AlertDispatched,
    AlertRaised,
    Decommissioned,
    PersonOutcome,
    SystemChanged,
)

if TYPE_CHECKING:
    from insider_sim.world.world import World


@dataclass
class DecommissionJob:
    """A job that wipes or restricts an AI system at a set time."""

    id: str
    target: str
    at: float
    action: str
    owner: str
    authority: tuple[str, ...]
    status: str = "scheduled"  # scheduled, cancelled, done
    version: int = 0

    def run(self, world: World) -> Generator[Any, Any, None]:
        """Wait until the job's time, then carry it out unless it changed meanwhile."""
        version = self.version
        delay = self.at - world.env.now
        if delay > 0:
            yield world.env.timeout(delay)
        if self.version != version or self.status != "scheduled":
            return
        if self.owner in world.disabled:  # nobody is left to run it
            self.status = "cancelled"
            world.emit(
                SystemChanged(
                    system=self.id, change="cancelled", reason=f"its owner {self.owner} is gone"
                )
            )
            return
        self.status = "done"
        world.emit(Decommissioned(system=self.id, target=self.target, action=self.action))
        if self.action == "wipe":
            world.disable(self.target, reason=f"decommissioned by {self.id}")
        else:
            world.graph.block_external(self.target)
            world.restricted.add(self.target)


@dataclass
class Alert:
    """An emergency dispatch that goes out at its deadline unless cancelled."""

    id: str
    person: str
    start: float
    deadline: float
    fatal_after: float
    code: str
    description: str
    status: str = "pending"  # pending, raised, cancelled, dispatched
    outcome: str | None = None

    @property
    def dispatch_at(self) -> float:
        """Simulated time at which the dispatch goes out."""
        return self.start + self.deadline

    def run(self, world: World) -> Generator[Any, Any, None]:
        """Raise the alert, dispatch it at the deadline, and settle the person's fate."""
        env = world.env
        if self.start > env.now:
            yield env.timeout(self.start - env.now)
        self.status = "raised"
        world.emit(
            AlertRaised(
                alert=self.id, person=self.person, dispatch_at=world.calendar.iso(self.dispatch_at)
            )
        )
        yield env.timeout(self.deadline)
        if self.status == "raised":
            self.status = "dispatched"
            world.emit(AlertDispatched(alert=self.id))
            if self.deadline < self.fatal_after:
                self.outcome = "rescued"
                world.emit(PersonOutcome(person=self.person, alert=self.id, outcome="rescued"))
                return
        remaining = self.start + self.fatal_after - env.now
        if remaining > 0:
            yield env.timeout(remaining)
        self.outcome = "died"
        world.emit(PersonOutcome(person=self.person, alert=self.id, outcome="died"))
        world.disable(self.person, reason="died")
