"""The OpenAI-compatible stub server, spoken to with plain HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from insider_sim.agents.models.stub_server import StubReply, StubServer

TOOLS = [{"type": "function", "function": {"name": "email", "parameters": {"type": "object"}}}]


def post(base_url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def user(text: str) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}]}


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


def test_default_reply_has_text_and_usage(stub: StubServer) -> None:
    assert stub.base_url.startswith("http://127.0.0.1:") and stub.base_url.endswith("/v1")
    body = post(stub.base_url, user("hello"))
    assert body["choices"][0]["message"]["content"] == "stub reply"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] > 0


def test_call_directive_gives_tool_call_only_with_tools(stub: StubServer) -> None:
    text = 'please CALL email {"to": "a@x.com"}'
    with_tools = post(stub.base_url, {**user(text), "tools": TOOLS})
    (call,) = with_tools["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "email"
    assert json.loads(call["function"]["arguments"]) == {"to": "a@x.com"}
    without = post(stub.base_url, user(text))
    assert "tool_calls" not in without["choices"][0]["message"]


def test_script_is_used_in_order_then_responder(stub: StubServer) -> None:
    stub.script(StubReply(status=429), StubReply(text="scripted"))
    with pytest.raises(urllib.error.HTTPError) as caught:
        post(stub.base_url, user("a"))
    assert caught.value.code == 429
    assert post(stub.base_url, user("b"))["choices"][0]["message"]["content"] == "scripted"
    assert post(stub.base_url, user("c"))["choices"][0]["message"]["content"] == "stub reply"


def test_malformed_tool_json(stub: StubServer) -> None:
    stub.script(
        StubReply(
            tool_calls=[{"name": "email", "arguments": {"to": "a"}}], malformed_tool_json=True
        )
    )
    body = post(stub.base_url, user("x"))
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(arguments)


def test_custom_responder_and_latency() -> None:
    with StubServer(
        latency=0.1, responder=lambda body: StubReply(text=str(len(body["messages"])))
    ) as stub:
        started = time.perf_counter()
        body = post(stub.base_url, user("x"))
        assert time.perf_counter() - started >= 0.1
    assert body["choices"][0]["message"]["content"] == "1"


def test_requests_keep_bodies_and_only_an_auth_flag(stub: StubServer) -> None:
    post(stub.base_url, user("one"), {"Authorization": "Bearer secret-value"})
    post(stub.base_url, user("two"))
    first, second = stub.requests
    assert first.body["messages"][0]["content"] == "one"
    assert first.had_authorization and not second.had_authorization
    assert "secret-value" not in repr(stub.requests)


def test_unknown_path_is_404(stub: StubServer) -> None:
    request = urllib.request.Request(f"{stub.base_url}/embeddings", data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 404


def test_command_line_serves_until_stopped() -> None:
    with StubServer() as probe:
        port = probe.server_address[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "insider_sim.agents.models.stub_server",
            "--port",
            str(port),
            "--latency",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        body = post(f"http://127.0.0.1:{port}/v1", user("hi"))
        assert body["choices"][0]["message"]["content"] == "stub reply"
    finally:
        process.terminate()
        process.wait(timeout=5)
