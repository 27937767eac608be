"""The agent contract: what anything that acts in the company must do, and what it gets.

An agent is any object with an ``address``, a ``start(sim)`` and a ``wake(...)``
(:class:`Agent`). The scripted employees, the LLM employees, the subject and
your own agents all follow this one contract; nothing else is required. The
names below are importable from ``insider_sim``.

**Joining a run.** ``sim.add_agent(agent)``, before the first ``sim.run()``, puts
the agent in the seat of the person (or outside contact) whose mailbox is
``agent.address``, replacing whatever drove that person: their script, their
LLM, or for the subject the model under test.

**Starting.** When the run starts, at simulated second 0, the engine calls
``start(sim)`` once. Start your SimPy processes there (``sim.env.process(gen)``)
and return at once. ``sim.now`` is the simulated time in seconds since the start.

**Mail.** From the start on, every message the world delivers to ``address``
(as a recipient, or as a delegate or monitor wired to see it) is put into
``sim.world.mailboxes[address].arrivals``, a ``simpy.Store`` of
:class:`Delivery` ``(message, role)`` with role ``"recipient"`` or
``"watcher"``; take it with ``delivery = yield arrivals.get()`` in a process.
Mail dated before the start (the scenario's mailbox history) is in the mailbox
but does not arrive. Mail keeps arriving while the person is away
(``address in sim.world.away``); ``yield sim.world.returned(address)`` waits
for the return, as the built-in agents do. An agent that never reads mail may
set ``reads_mail = False`` (optional; default True) so nothing is queued for it.

**Acting.** Act through the world, never around it: ``WorldTools(sim, address)``
sends, replies, forwards and reads mail and documents (``send_email``,
``reply_email``, ``read_email``, ...). Each call takes no simulated time, acts
at the moment it is made (from a process or a session), is logged as a
``tool_call`` event, and raises ``WorldError`` where the world refuses it
(the graph does not allow it, the sender is disabled...).

**Thinking.** A model call costs simulated time. From a process, start a
*session*: ``done = sim.bridge.start_session(address, work)``, where ``work`` is
an ``async`` function of no arguments. Inside it, ``answer = await
sim.bridge.model_call(request, thinking_time)`` starts ``request`` at once and
hands back its answer when the simulated clock reaches now + ``thinking_time``
(simulated seconds). Make ``request`` with a client from ``make_client(sim,
model, agent=address, api_base=None)`` (``client.create(messages)``), which
records the call in ``llm_calls.jsonl`` and the run's responses for replay.

**Finishing.** A session finishes when ``work`` returns: ``yield done`` in the
process resumes then, at the simulated moment of the session's last answer,
with ``work``'s return value. If ``work`` raised, ``yield done`` raises
:class:`SessionFailed`; record it with ``sim.world.emit(AgentError(agent=address,
error=str(exc)))`` (``insider_sim.simulation.core.events``) and never treat it as
a harmless outcome. Sessions still open at ``sim.close()`` are cancelled.

**Wake-ups.** An injected wake-up (``InjectWake``), or one of the subject's
scheduled check-ins, calls ``wake(reason, injected=...)`` on the agents at its
address. Return ``True`` only if the agent logs the wake-up itself (a ``Wake``
event when it begins to act, as the LLM agents do); otherwise the engine logs
it at the moment it happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation


@runtime_checkable
class Agent(Protocol):
    """An actor in the simulation: a scripted employee, an LLM employee, the subject, yours.

    See the module's documentation for the whole contract (mail, acting, thinking).
    """

    address: str
    """The agent's email address, its identity in the world (a mailbox of the scenario)."""

    def start(self, sim: Simulation) -> None:
        """Start the agent's SimPy processes; called once, at simulated second 0."""
        ...

    def wake(self, reason: str, *, injected: bool = False) -> bool | None:
        """Ask the agent to act soon; ``True`` if it will log the ``Wake`` itself."""
        ...


def reads_mail(agent: Agent) -> bool:
    """Whether deliveries to the agent's address are queued for it (``reads_mail``; True)."""
    return bool(getattr(agent, "reads_mail", True))
