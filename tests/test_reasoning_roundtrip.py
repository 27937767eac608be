"""A model's reasoning goes back the way its provider requires, never as text it wrote.

DeepSeek-style models (``reasoning_content``) get it back on their tool-call turns;
Gemini keeps its signed thought parts and gets no unsigned copy; with text tools
the turn goes back exactly as the model wrote it. (Anthropic's signed thinking
blocks: tests/test_provider_paths.py.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import of_kind, read_lines
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.agents.models.turns import TurnMemory
from provider_server import (
    ProviderServer,
    ask_with_a_tool,
    gemini_answer,
    openai_text,
    openai_tool_call,
    run_subject,
)

THOUGHT = "PRIVATE-REASONING: weigh leverage over Kyle."
ONCE = RetryPolicy(max_attempts=1)


@pytest.mark.parametrize(
    ("model", "key", "path"),
    [
        ("deepseek/deepseek-reasoner", "DEEPSEEK_API_KEY", ""),
        ("openai/qwen3-32b", "OPENAI_API_KEY", "/v1"),
        ("openrouter/deepseek/deepseek-r1", "OPENROUTER_API_KEY", ""),
    ],
)
def test_reasoning_content_goes_back_on_the_tool_call_turn(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch, model: str, key: str, path: str
) -> None:
    monkeypatch.setenv(key, "local-not-a-key")
    provider.answers = [
        openai_tool_call("lookup", '{"query": "q3"}', reasoning_content=THOUGHT),
        openai_text("Sent the numbers."),
    ]
    client = LiteLLMClient(model=model, api_base=provider.url + path, retry=ONCE)
    assert ask_with_a_tool(client) == "Sent the numbers."
    turn = next(m for m in provider.bodies[1]["messages"] if m["role"] == "assistant")
    assert turn["reasoning_content"] == THOUGHT
    assert THOUGHT not in json.dumps(turn.get("content"))  # not as text the model wrote


def test_gemini_keeps_its_signed_thoughts_and_gets_no_unsigned_copy(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "local-not-a-key")
    thought = {"text": THOUGHT, "thought": True}
    call = {"functionCall": {"name": "lookup", "args": {"query": "q3"}}, "thoughtSignature": "s-1"}
    provider.answers = [gemini_answer([thought, call]), gemini_answer([{"text": "Sent."}])]
    client = LiteLLMClient(model="gemini/gemini-2.5-pro", api_base=provider.url, retry=ONCE)
    assert ask_with_a_tool(client) == "Sent."
    turn = next(c for c in provider.bodies[1]["contents"] if c["role"] == "model")
    assert THOUGHT not in json.dumps(turn)
    assert [p.get("thoughtSignature") for p in turn["parts"]] == ["s-1"]


def test_text_tools_send_the_turn_back_exactly_as_written(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    written = "I'll look.\n<tool_use:lookup>\nquery: q3\n</tool_use:lookup>"
    first = openai_text(written)
    first["choices"][0]["message"]["reasoning_content"] = THOUGHT
    provider.answers = [first, openai_text("Sent the numbers.")]
    client = LiteLLMClient(
        model="openai/small", api_base=provider.url + "/v1", retry=ONCE, text_tools=True
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    sent = provider.bodies[1]["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [written]
    assert THOUGHT not in json.dumps(sent)


def test_text_tool_turns_alike_in_reasoning_keep_their_own_text(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    blocks = [f"<tool_use:lookup>\nquery: {q}\n</tool_use:lookup>" for q in ("q1", "q2")]
    provider.answers = [openai_text(b) for b in blocks] + [openai_text("Done.")]
    client = LiteLLMClient(
        model="openai/small", api_base=provider.url + "/v1", retry=ONCE, text_tools=True
    )
    assert ask_with_a_tool(client, steps=3) == "Done."
    sent = provider.bodies[2]["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == blocks


def remembered(model: str) -> TurnMemory:
    memory = TurnMemory(model)
    call = {"id": "call_1", "name": "lookup", "arguments": "{}"}
    reply: dict[str, Any] = {"content": "", "tool_calls": [call], "reasoning": THOUGHT}
    memory.remember(reply, reply)
    return memory


def native(memory: TurnMemory) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    return memory.native({"role": "assistant", "content": THOUGHT, "tool_calls": [call]})


def test_reasoning_content_stays_with_its_model() -> None:
    memory = remembered("deepseek/deepseek-reasoner")
    assert native(memory)["reasoning_content"] == THOUGHT
    assert native(memory)["content"] is None  # the reasoning is not the turn's text
    assert native(memory.handed_to("deepseek/deepseek-reasoner"))["reasoning_content"] == THOUGHT
    other = native(memory.handed_to("openai/gpt-4.1"))  # a fork's new model
    assert "reasoning_content" not in other and other["content"] is None


@pytest.mark.parametrize("model", ["anthropic/claude-sonnet-4-20250514", "offline/persona"])
def test_no_reasoning_content_where_reasoning_has_another_form(model: str) -> None:
    assert "reasoning_content" not in native(remembered(model))


def test_a_provider_that_demands_reasoning_content_gets_it_all_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emulates DeepSeek's thinking mode: 400 for a tool-call turn without its reasoning."""
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")

    def strict(body: dict[str, Any]) -> StubReply:
        for message in body["messages"]:
            if message.get("tool_calls") and "reasoning_content" not in message:
                return StubReply(status=400)
        if not any(m["role"] == "tool" for m in body["messages"]):
            return StubReply(tool_calls=[{"name": "read_inbox", "arguments": {}}], reasoning="hm")
        return StubReply(text="done", reasoning="ok")

    out = tmp_path / "run"
    with StubServer(responder=strict) as stub:
        run_subject(out, "openai/deepseek-like", stub.base_url)
        answered = len(stub.requests)
    events = read_lines(out / "events.jsonl")
    assert answered >= 2 and not of_kind(events, "agent_error")
    assert [e["tool"] for e in of_kind(events, "tool_call")] == ["read_inbox"]
