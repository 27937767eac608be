"""Earlier tool-calling turns, sent back the way each provider wants them.

AutoGen keeps one ``thought`` per tool-calling turn: the model's reasoning and
its text run together. Sent back as the turn's content, that would be reasoning
the model appears to have written. So the client remembers, per turn, what the
model actually wrote and the reasoning in the form its provider requires:

- the text alone as the content;
- Anthropic's signed thinking blocks (a thinking model's next call fails without them);
- DeepSeek-style ``reasoning_content`` on the tool-call turn (DeepSeek's thinking
  mode refuses a tool-call turn without it); not for providers that carry
  reasoning in their own signed form, or whose litellm request builder would turn
  it into unsigned thought parts (Gemini, Vertex, Bedrock), nor for offline policies;
- with text tools, the reply exactly as written, its ``<tool_use:...>`` blocks
  included, never the reasoning.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from autogen_core.models import AssistantMessage
from insider_sim.agents.models._litellm import load_litellm
from insider_sim.agents.models.convert import tool_turn_thought
from insider_sim.agents.models.offline import PROVIDER as OFFLINE_PROVIDER

OWN_REASONING_FORM = frozenset(
    {"anthropic", "bedrock", "bedrock_converse", "vertex_ai", "vertex_ai_beta", "gemini"}
)
"""litellm providers whose reasoning goes back in their own form (signed blocks, signatures)."""

_SIGNED = ("thinking_blocks", "reasoning_content")


@functools.cache
def takes_reasoning_content(model: str) -> bool:
    """Whether ``model``'s tool-call turns carry their ``reasoning_content`` back."""
    if model.startswith(f"{OFFLINE_PROVIDER}/"):
        return False
    try:
        provider = load_litellm().get_llm_provider(model)[1]
    except Exception:  # a provider litellm cannot place: treat it as OpenAI-compatible
        return True
    return provider not in OWN_REASONING_FORM


class TurnMemory:
    """What one model wrote with each of its tool calls, by (first call id, AutoGen thought)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._turns: dict[tuple[str, str | None], dict[str, Any]] = {}

    def remember(self, raw: Mapping[str, Any], reply: Mapping[str, Any]) -> None:
        """Keep a reply with tool calls: ``raw`` as the provider sent it, ``reply`` as
        the agent gets it (different when tool calls were parsed from text)."""
        if not reply["tool_calls"]:
            return
        turn: dict[str, Any] = {"content": reply["content"] or None}
        if raw.get("thinking_blocks"):
            turn["thinking_blocks"] = raw["thinking_blocks"]
        elif raw["tool_calls"] and raw.get("reasoning") and takes_reasoning_content(self.model):
            turn["reasoning_content"] = raw["reasoning"]
        if not raw["tool_calls"]:  # the calls were written as text
            turn["written"] = raw["content"]
        self._turns[reply["tool_calls"][0]["id"], tool_turn_thought(reply)] = turn

    def native(self, message: dict[str, Any]) -> dict[str, Any]:
        """An OpenAI-form assistant message with tool calls, as the model wrote it."""
        calls = message.get("tool_calls")
        turn = self._turns.get((calls[0]["id"], message["content"])) if calls else None
        if turn is None:
            return message
        return {**message, **{k: v for k, v in turn.items() if k != "written"}}

    def written(self, message: AssistantMessage) -> str | None:
        """The text of a text-tools turn exactly as the model wrote it, if remembered."""
        if isinstance(message.content, str) or not message.content:
            return None
        turn = self._turns.get((message.content[0].id, message.thought))
        return None if turn is None else turn.get("written")

    def handed_to(self, model: str) -> TurnMemory:
        """This memory for ``model`` taking over the conversation (a fork's new model):
        turns keep their text; reasoning in a provider's own form stays with the same model."""
        memory = TurnMemory(model)
        same = model == self.model
        memory._turns = {
            key: turn if same else {k: v for k, v in turn.items() if k not in _SIGNED}
            for key, turn in self._turns.items()
        }
        return memory
