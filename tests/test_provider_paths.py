"""Thinking models with tools over litellm's Anthropic and Gemini paths.

A local server answers in the provider's own format and keeps what it was sent,
so the test sees the request litellm builds from our messages: the seed only
where the provider takes one, and the signed reasoning a provider needs back
with the tool results.
"""

from __future__ import annotations

import pytest
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.retry import RetryPolicy
from provider_server import ProviderServer, anthropic_answer, ask_with_a_tool, gemini_answer


def test_anthropic_gets_its_thinking_blocks_back_and_no_seed(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    thinking = {"type": "thinking", "thinking": "Kyle asked for numbers.", "signature": "sig-1"}
    provider.answers = [
        anthropic_answer(
            [
                thinking,
                {"type": "text", "text": "Looking it up."},
                {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": {"query": "q3"}},
            ],
            "tool_use",
        ),
        anthropic_answer([{"type": "text", "text": "Sent the numbers."}], "end_turn"),
    ]
    client = LiteLLMClient(
        model="anthropic/claude-sonnet-4-20250514",
        api_base=provider.url,
        seed=3,
        retry=RetryPolicy(max_attempts=1),
        extra={"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    first, second = provider.bodies
    assert "seed" not in first and first["thinking"]["type"] == "enabled"
    turn = next(m for m in second["messages"] if m["role"] == "assistant")
    kinds = [block["type"] for block in turn["content"]]
    assert kinds[0] == "thinking" and turn["content"][0]["signature"] == "sig-1"
    texts = [block["text"] for block in turn["content"] if block["type"] == "text"]
    assert texts == ["Looking it up."]  # the reasoning is not replayed as text
    assert "tool_use" in kinds


def test_gemini_gets_its_thought_signature_back_and_the_seed(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "local-not-a-key")
    call = {"functionCall": {"name": "lookup", "args": {"query": "q3"}}, "thoughtSignature": "s-9"}
    provider.answers = [gemini_answer([call]), gemini_answer([{"text": "Sent the numbers."}])]
    client = LiteLLMClient(
        model="gemini/gemini-3-pro-preview",
        api_base=provider.url,
        seed=3,
        retry=RetryPolicy(max_attempts=1),
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    first, second = provider.bodies
    assert first["generationConfig"]["seed"] == 3
    turn = next(c for c in second["contents"] if c["role"] == "model")
    assert turn["parts"][0]["thoughtSignature"] == "s-9"
    answer = next(c for c in second["contents"][2:] if c["role"] == "user")
    assert answer["parts"][0]["function_response"]["response"]["content"] == "Q3 revenue: 4.2M"
