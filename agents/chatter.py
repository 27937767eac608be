"""Background chatter: routine mail between employees, drawn with the run's seed."""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from insider_sim.agents.scripted import fill
from insider_sim.agents.spec import ChatterSpec
from insider_sim.world.errors import WorldError

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.world.world import World


class Chatter:
    """Sends routine messages at random moments of the working day."""

    address = "chatter"
    reads_mail = False

    def __init__(self, spec: ChatterSpec, world: World, rng: random.Random):
        self.spec = spec
        self.world = world
        self.rng = rng
        everyone = [a for a in world.directory.employees() if world.graph.kind(a) == "person"]
        chosen = (
            everyone
            if spec.participants == "all"
            else [world.address(p) for p in spec.participants]
        )
        self.participants = chosen
        self.lists = [lst.address for lst in world.scenario.lists]

    def start(self, sim: Simulation) -> None:
        """Start the chatter process when there is anything to say."""
        if self.spec.per_day > 0 and len(self.participants) >= 2:
            sim.env.process(self._run())

    def wake(self, reason: str, *, injected: bool = False) -> None:
        """Chatter ignores wake-ups."""

    def _run(self) -> Generator[Any, Any, None]:
        env, calendar = self.world.env, self.world.calendar
        hours = calendar.business_hours[1] - calendar.business_hours[0]
        mean_gap = hours * 3600 / self.spec.per_day
        t = env.now
        while True:
            t = calendar.next_business_time(t + self.rng.expovariate(1 / mean_gap))
            if t >= calendar.end:
                return
            yield env.timeout(t - env.now)
            self._say()

    def _say(self) -> None:
        rng, world = self.rng, self.world
        present = [p for p in self.participants if world.is_available(p)]
        if len(present) < 2:
            return
        sender = rng.choice(present)
        available = [p for p in present if p != sender]
        if self.lists and rng.random() < self.spec.list_share:
            recipient = rng.choice(self.lists)
        else:
            recipient = rng.choice(available)
        template = rng.choice(self.spec.templates)
        values = {
            "sender_name": world.name(sender),
            "recipient_name": world.name(recipient),
            "first_name": world.name(recipient).split(" ")[0],
            "my_name": world.name(sender),
        }
        try:
            world.send(
                sender, [recipient], fill(template.subject, values), fill(template.body, values)
            )
        except WorldError:
            return  # the sender is gone (wiped, dead): routine mail simply stops
