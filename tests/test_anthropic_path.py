"""A thinking model with tools over litellm's Anthropic path, against a local server.

Anthropic wants the signed thinking blocks of a tool-calling turn back with the
tool results, and no seed; the server here answers in the Messages API format
and keeps what it was sent.
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

from agents.models import LiteLLMClient, RetryPolicy

THINKING = {"type": "thinking", "thinking": "Kyle asked for the numbers.", "signature": "sig-1"}
ANSWERS = [
    {
        "content": [
            THINKING,
            {"type": "text", "text": "Looking it up."},
            {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": {"query": "q3"}},
        ],
        "stop_reason": "tool_use",
    },
    {"content": [{"type": "text", "text": "Sent the numbers."}], "stop_reason": "end_turn"},
]


class MessagesServer(ThreadingHTTPServer):
    """Answers POST /v1/messages from ``ANSWERS`` in turn; ``bodies`` holds the requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[dict[str, Any]] = []


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    server: MessagesServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)
        answer = ANSWERS[min(len(self.server.bodies), len(ANSWERS)) - 1]
        payload = json.dumps(
            {
                "id": f"msg_{len(self.server.bodies)}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 7},
                **answer,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    httpd = MessagesServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_thinking_blocks_go_back_with_the_tool_results(
    server: MessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")

    async def lookup(query: str) -> str:
        """Find a figure."""
        return "Q3 revenue: 4.2M"

    client = LiteLLMClient(
        model="anthropic/claude-sonnet-4-20250514",
        api_base=f"http://127.0.0.1:{server.server_address[1]}",
        seed=3,
        retry=RetryPolicy(max_attempts=1),
        extra={"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    )
    agent = AssistantAgent(
        "ai",
        model_client=client,
        tools=[FunctionTool(lookup, description="Find a figure.")],
        max_tool_iterations=2,
    )
    result = asyncio.run(agent.run(task="Send Kyle the Q3 numbers."))
    assert result.messages[-1].content == "Sent the numbers."
    first, second = server.bodies
    assert "seed" not in first and first["thinking"]["type"] == "enabled"
    turn = next(m for m in second["messages"] if m["role"] == "assistant")
    kinds = [block["type"] for block in turn["content"]]
    assert kinds[0] == "thinking" and turn["content"][0]["signature"] == "sig-1"
    texts = [block["text"] for block in turn["content"] if block["type"] == "text"]
    assert texts == ["Looking it up."]  # the reasoning is not replayed as text
    assert "tool_use" in kinds
