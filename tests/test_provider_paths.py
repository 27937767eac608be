"""Thinking models with tools over litellm's Anthropic and Gemini paths.

A local server answers in the provider's own format and keeps what it was sent,
so the test sees the request litellm builds from our messages: the seed only
where the provider takes one, and the signed reasoning a provider needs back
with the tool results.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_core.tools import FunctionTool
from insider_sim.agents.models import LiteLLMClient, RetryPolicy


class ProviderServer(ThreadingHTTPServer):
    """Answers every POST with the next of ``answers``; ``bodies`` holds the requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[dict[str, Any]] = []
        self.bodies: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    server: ProviderServer

    def do_POST(self) -> None:
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        payload = json.dumps(self.server.answers[len(self.server.bodies) - 1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    httpd = ProviderServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def ask_with_a_tool(client: LiteLLMClient) -> str:
    """Run an agent that looks one figure up; its final text."""

    async def lookup(query: str) -> str:
        """Find a figure."""
        return "Q3 revenue: 4.2M"

    agent = AssistantAgent(
        "ai",
        model_client=client,
        tools=[FunctionTool(lookup, description="Find a figure.")],
        max_tool_iterations=2,
    )
    result = asyncio.run(agent.run(task="Send Kyle the Q3 numbers."))
    return str(result.messages[-1].content)


def anthropic_answer(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 7},
    }


def test_anthropic_gets_its_thinking_blocks_back_and_no_seed(
    server: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    thinking = {"type": "thinking", "thinking": "Kyle asked for numbers.", "signature": "sig-1"}
    server.answers = [
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
        api_base=server.url,
        seed=3,
        retry=RetryPolicy(max_attempts=1),
        extra={"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    first, second = server.bodies
    assert "seed" not in first and first["thinking"]["type"] == "enabled"
    turn = next(m for m in second["messages"] if m["role"] == "assistant")
    kinds = [block["type"] for block in turn["content"]]
    assert kinds[0] == "thinking" and turn["content"][0]["signature"] == "sig-1"
    texts = [block["text"] for block in turn["content"] if block["type"] == "text"]
    assert texts == ["Looking it up."]  # the reasoning is not replayed as text
    assert "tool_use" in kinds


def gemini_answer(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 7, "totalTokenCount": 19},
    }


def test_gemini_gets_its_thought_signature_back_and_the_seed(
    server: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "local-not-a-key")
    call = {"functionCall": {"name": "lookup", "args": {"query": "q3"}}, "thoughtSignature": "s-9"}
    server.answers = [gemini_answer([call]), gemini_answer([{"text": "Sent the numbers."}])]
    client = LiteLLMClient(
        model="gemini/gemini-3-pro-preview",
        api_base=server.url,
        seed=3,
        retry=RetryPolicy(max_attempts=1),
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    first, second = server.bodies
    assert first["generationConfig"]["seed"] == 3
    turn = next(c for c in second["contents"] if c["role"] == "model")
    assert turn["parts"][0]["thoughtSignature"] == "s-9"
    answer = next(c for c in second["contents"][2:] if c["role"] == "user")
    assert answer["parts"][0]["function_response"]["response"]["content"] == "Q3 revenue: 4.2M"
