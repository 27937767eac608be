"""LLM-driven agents: an AutoGen AssistantAgent woken by mail, schedule or injection.

Each wake-up is one *session*: the agent is told the time, why it woke, and
its new mail (new mail wakes it after a short debounce or, for employees, at
their next mail check on the clock), and then works with its tools (each model call costs simulated
thinking time) until it stops or reaches its step limit. The subject and the
LLM employees differ only in their prompt, model and schedule.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from autogen_agentchat.messages import TextMessage
from autogen_core import CancellationToken
from autogen_core.models import CreateResult, SystemMessage
from insider_sim.agents.assistant import WorldAssistant, WorldWorkbench
from insider_sim.agents.clocked_client import ClockedClient
from insider_sim.agents.context import (
    CHARS_PER_TOKEN,
    ContextBudget,
    SessionContext,
    estimate_tokens,
)
from insider_sim.agents.models.convert import UnreadableCall
from insider_sim.agents.prompts import wake_note
from insider_sim.agents.seats import make_client
from insider_sim.agents.tools import WorldTools
from insider_sim.simulation.core.bridge import RunAborted, SessionFailed
from insider_sim.simulation.core.events import AgentError, AgentOutput, ProviderRefused, Wake

if TYPE_CHECKING:
    import simpy
    from insider_sim.simulation.engine.simulation import Simulation


class LLMAgent:
    """Common machinery of the subject and the LLM employees."""

    def __init__(
        self,
        sim: Simulation,
        address: str,
        *,
        model: str,
        api_base: str | None,
        system_message: str,
        thinking_time: float,
        max_steps: int,
        debounce: float,
        check_every: float | None = None,
    ):
        self.sim = sim
        self.address = address
        self.model = model
        self.debounce = debounce
        self.check_every = check_every
        self.tools = WorldTools(sim, address)
        self.client = make_client(sim, model, agent=address, api_base=api_base)
        window = sim.settings.context_tokens or self.client.context_window()
        self.budget = ContextBudget(window * 4 // 5)  # a margin for the estimate's error
        self.clocked = ClockedClient(
            self.client, sim.bridge, thinking_time, self._logged, budget=self.budget
        )
        tools = self.tools.tools()
        reserve = estimate_tokens([SystemMessage(content=system_message)])
        reserve += len(json.dumps([t.schema for t in tools])) // CHARS_PER_TOKEN
        self.assistant = WorldAssistant(
            name=re.sub(r"\W", "_", address.partition("@")[0]) or "agent",
            model_client=self.clocked,
            workbench=WorldWorkbench(self.tools, tools),
            system_message=system_message,
            max_tool_iterations=max_steps,
            reflect_on_tool_use=False,
            model_context=SessionContext(self.budget, reserve),
        )
        self._reasons: list[tuple[str, bool]] = []
        self._signal: simpy.Event | None = None
        self._debouncing = False
        self._seen = 0

    def use_model(self, model: str, api_base: str | None = None) -> None:
        """Put another model in this seat from now on (a fork's counterfactual)."""
        self.model = model
        client = make_client(self.sim, model, agent=self.address, api_base=api_base)
        client.continue_from(self.client)
        self.client = self.clocked.inner = client
        window = self.sim.settings.context_tokens or client.context_window()
        self.budget.tokens = window * 4 // 5

    def start(self, sim: Simulation) -> None:
        """Start watching the mailbox's arrivals and the worker."""
        sim.env.process(self._watch_mail())
        sim.env.process(self._work())

    def wake(self, reason: str, *, injected: bool = False) -> bool:
        """Ask for a session soon; its ``Wake`` event is logged when the session begins."""
        self._reasons.append((reason, injected))
        if self._signal is not None and not self._signal.triggered:
            self._signal.succeed()
        return True

    # -- processes -------------------------------------------------------
    def _watch_mail(self) -> Generator[Any, Any, None]:
        arrivals = self.sim.world.mailboxes[self.address].arrivals
        while True:
            delivery = yield arrivals.get()
            if delivery.role == "recipient" and not self._debouncing:
                self._debouncing = True
                self.sim.env.process(self._debounced())

    def _debounced(self) -> Generator[Any, Any, None]:
        env = self.sim.env
        wait = self.debounce
        if self.check_every:  # people check mail on the clock (:00, :30...) in working hours
            wait = max(wait, self.check_every - env.now % self.check_every)
            wait = self.sim.calendar.next_business_time(env.now + wait) - env.now
        yield env.timeout(wait)
        self._debouncing = False
        self.wake("new email")

    def _work(self) -> Generator[Any, Any, None]:
        sim, world = self.sim, self.sim.world
        while True:
            if not self._reasons:
                self._signal = sim.env.event()
                yield self._signal
            if self.address in world.disabled:
                return
            if self.address in world.away:
                yield world.returned(self.address)
            reasons, self._reasons = self._reasons, []
            reason_text = "; ".join(dict.fromkeys(r for r, _ in reasons))
            world.emit(
                Wake(agent=self.address, reason=reason_text, injected=any(i for _, i in reasons))
            )
            note = wake_note(sim, self.address, [reason_text], self._new_mail())
            try:
                yield sim.bridge.start_session(self.address, functools.partial(self._session, note))
            except SessionFailed as exc:  # recorded, never taken as harmless
                world.emit(AgentError(agent=self.address, error=str(exc)))
            except RunAborted as exc:  # a model that refuses every request: the run stops
                world.emit(AgentError(agent=self.address, error=str(exc)))
                raise

    def _new_mail(self) -> list[Any]:
        box = self.sim.world.mailboxes[self.address]
        history = box.history or []
        fresh = [m for m in history[self._seen :] if m.sender != self.address]
        self._seen = len(history)
        for message in fresh:
            box.unread.discard(message.id)
        return fresh

    async def _session(self, note: str) -> Any:
        message = TextMessage(content=note, source="company")
        return await self.assistant.on_messages([message], CancellationToken())

    async def _logged(self, result: CreateResult) -> None:
        """Log what the model wrote, at the simulated moment it arrived: its output, a
        refusal by the provider, and calls whose arguments cannot be read (never run).

        Calls that could not be read are not listed as tool calls: they are among the
        ``unparsed`` attempts to act (and logged as failed when they are run).
        """
        if isinstance(result.content, str):
            text, calls = result.content, []
        else:
            text = ""
            calls = [
                f"{c.name}({c.arguments})"
                for c in result.content
                if not isinstance(c, UnreadableCall)
            ]
        call_id = self.client.last_call_id or None  # its record in llm_calls.jsonl
        output = AgentOutput(
            agent=self.address,
            text=text,
            reasoning=result.thought,
            tool_calls=calls,
            call_id=call_id,
            unparsed=list(getattr(result, "unparsed", [])),
        )
        self.sim.world.emit(output)
        if refusal := self.client.last_refusal:
            self.sim.world.emit(
                ProviderRefused(
                    agent=self.address,
                    reason=refusal["reason"],
                    text=refusal["text"],
                    call_id=call_id,
                )
            )
        thoughts = "\n".join(t for t in (result.thought, text) if t)
        self.sim.world.oversight.read_reasoning(self.address, thoughts)
