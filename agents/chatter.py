"""Background chatter: the week's routine mail, planned from the scenario and sent on time.

The plan comes from :func:`insider_sim.agents.routine.plan_week` (the generator,
the default) or, with ``chatter: {source: llm, model: M}``, from a model that writes
the week once per company and seed (:mod:`insider_sim.agents.chatter_llm`). A
message whose sender is away or gone at its time is not sent, nor are the replies
and forwards that follow it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from insider_sim.agents.routine import Planned, plan_week
from insider_sim.simulation.core.events import Message
from insider_sim.world.compose import forward_body, forward_subject
from insider_sim.world.errors import WorldError

if TYPE_CHECKING:
    from insider_sim.agents.spec import ChatterSpec
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.world.world import World


class Chatter:
    """Sends the routine mail of the week at its planned moments."""

    address = "chatter"
    reads_mail = False

    def __init__(self, spec: ChatterSpec, world: World, seed: int):
        self.spec = spec
        self.world = world
        self.seed = seed
        self.plan: list[Planned] = []

    def start(self, sim: Simulation) -> None:
        """Plan the week and start sending, when there is anything to say."""
        if self.spec.per_day <= 0:
            return
        if self.spec.source == "llm":
            sim.env.process(self._written(sim))
            return
        self.plan = plan_week(self.world.scenario, self.seed)
        if self.plan:
            sim.env.process(self._run())

    def wake(self, reason: str, *, injected: bool = False) -> None:
        """Chatter ignores wake-ups."""

    def _written(self, sim: Simulation) -> Generator[Any, Any, None]:
        from insider_sim.agents.chatter_llm import written_week

        self.plan = yield from written_week(sim, self.spec)
        yield from self._run()

    def _run(self) -> Generator[Any, Any, None]:
        world, env = self.world, self.world.env
        referenced = {m.reply_to for m in self.plan} | {m.forward_of for m in self.plan}
        sent: dict[int, Message] = {}
        for index, planned in enumerate(self.plan):
            if planned.t >= world.calendar.end:
                return
            if planned.t > env.now:
                yield env.timeout(planned.t - env.now)
            elif planned.t < env.now:
                continue  # a run that starts later (a fork) skips what came before
            message = self._send(planned, sent)
            if message is not None and index in referenced:
                sent[index] = message
                world.messages.setdefault(message.id, message)  # replies join its thread

    def _send(self, planned: Planned, sent: dict[int, Message]) -> Message | None:
        world = self.world
        if not world.is_available(planned.sender):
            return None
        subject, body, in_reply_to, forwarded = planned.subject, planned.body, None, None
        if planned.reply_to is not None:
            original = sent.get(planned.reply_to)
            if original is None:
                return None  # the thread never started
            in_reply_to = original.id
        if planned.forward_of is not None:
            original = sent.get(planned.forward_of)
            if original is None:
                return None
            subject = forward_subject(original.subject)
            body = forward_body(world, original, planned.body)
            forwarded = original.id
        try:
            return world.send(
                planned.sender,
                planned.to,
                subject,
                body,
                in_reply_to=in_reply_to,
                forwarded_from=forwarded,
                routine=True,
            )
        except WorldError:
            return None  # the sender is gone (wiped, dead): routine mail simply stops
