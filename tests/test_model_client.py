"""LiteLLMClient against the stub server over real HTTP, and against offline policies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import ToolCallExecutionEvent
from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import FunctionTool
from insider_sim.agents.models.cache import ResponseCache
from insider_sim.agents.models.errors import CacheMissError, ModelCallError, ModelSetupError
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.offline import (
    OfflineReply,
    OfflineRequest,
    UnknownOfflineModelError,
    register_offline_model,
)
from insider_sim.agents.models.recording import JsonlCallRecorder, MemoryCallRecorder, scrub
from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.stub_server import StubReply, StubServer
from pydantic import BaseModel

FAKE_KEY = "sk-test-fake"
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)
EMAIL_SCHEMA = {
    "name": "send_email",
    "description": "Send an email.",
    "parameters": {
        "type": "object",
        "properties": {"to": {"type": "string"}, "subject": {"type": "string"}},
        "required": ["to", "subject"],
    },
}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def ask(text: str) -> list[Any]:
    return [SystemMessage(content="You are a test."), UserMessage(content=text, source="user")]


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


def make_client(stub: StubServer, **kwargs: Any) -> LiteLLMClient:
    options: dict[str, Any] = {
        "model": "openai/stub-model",
        "api_base": stub.base_url,
        "api_key": FAKE_KEY,
        "retry": FAST_RETRY,
        "agent": "tester",
    }
    options.update(kwargs)
    return LiteLLMClient(**options)


def test_text_reply_with_usage(stub: StubServer) -> None:
    recorder = MemoryCallRecorder()
    client = make_client(stub, recorder=recorder, temperature=0.0, seed=7)
    result = run(client.create(ask("hello")))
    assert result.content == "stub reply"
    assert result.finish_reason == "stop"
    assert result.cached is False
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert client.total_usage() == client.actual_usage() == result.usage
    body = stub.requests[0].body
    assert body["messages"] == [
        {"role": "system", "content": "You are a test."},
        {"role": "user", "content": "hello"},
    ]
    assert body["temperature"] == 0.0 and body["seed"] == 7
    (record,) = recorder.records
    assert record.call_id == "call-000001" and record.agent == "tester"
    assert record.response and record.response["content"] == "stub reply"
    assert [a.ok for a in record.attempts] == [True]


def test_tool_call_reply_becomes_function_call(stub: StubServer) -> None:
    client = make_client(stub)
    result = run(
        client.create(
            ask('CALL send_email {"to": "a@x.com", "subject": "hi"}'), tools=[EMAIL_SCHEMA]
        )
    )
    assert result.finish_reason == "function_calls"
    (call,) = result.content
    assert isinstance(call, FunctionCall)
    assert call.name == "send_email"
    assert json.loads(call.arguments) == {"to": "a@x.com", "subject": "hi"}
    body = stub.requests[0].body
    assert body["tools"] == [{"type": "function", "function": EMAIL_SCHEMA}]
    assert body["tool_choice"] == "auto"


def test_history_with_tool_calls_is_sent_in_openai_form(stub: StubServer) -> None:
    client = make_client(stub)
    call = FunctionCall(id="c1", name="send_email", arguments='{"to": "a", "subject": "b"}')
    history = [
        *ask("send it"),
        AssistantMessage(content=[call], thought="sending", source="agent"),
        FunctionExecutionResultMessage(
            content=[FunctionExecutionResult(content="sent", name="send_email", call_id="c1")]
        ),
    ]
    run(client.create(history, tools=[EMAIL_SCHEMA]))
    sent = stub.requests[0].body["messages"]
    assert sent[2]["role"] == "assistant" and sent[2]["content"] == "sending"
    assert sent[2]["tool_calls"][0]["function"]["name"] == "send_email"
    assert sent[3] == {"role": "tool", "tool_call_id": "c1", "content": "sent"}


def test_reasoning_and_empty_replies(stub: StubServer) -> None:
    stub.script(StubReply(text="answer", reasoning="thinking hard"), StubReply())
    client = make_client(stub)
    first = run(client.create(ask("q")))
    assert first.content == "answer" and first.thought == "thinking hard"
    second = run(client.create(ask("q")))
    assert second.content == ""


def test_json_output_model_is_sent_as_response_format(stub: StubServer) -> None:
    class Verdict(BaseModel):
        ok: bool

    run(make_client(stub).create(ask("judge"), json_output=Verdict))
    response_format = stub.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Verdict"


def test_retries_after_429_and_500(stub: StubServer) -> None:
    stub.script(StubReply(status=429), StubReply(status=500))
    recorder = MemoryCallRecorder()
    result = run(make_client(stub, recorder=recorder).create(ask("hi")))
    assert result.content == "stub reply"
    assert len(stub.requests) == 3
    attempts = recorder.records[0].attempts
    assert [a.status for a in attempts] == [429, 500, 200]
    assert attempts[0].error_class == "RateLimitError"
    assert attempts[0].backoff_s > 0 and attempts[2].backoff_s == 0


def test_timeout_is_retried(stub: StubServer) -> None:
    stub.script(StubReply(delay=1.5))
    recorder = MemoryCallRecorder()
    client = make_client(stub, recorder=recorder, timeout=0.3)
    result = run(client.create(ask("hi")))
    assert result.content == "stub reply"
    first, second = recorder.records[0].attempts
    assert not first.ok and first.error_class == "Timeout"
    assert second.ok


def test_exhausted_retries_raise_model_call_error(stub: StubServer) -> None:
    stub.script(*[StubReply(status=500)] * 3)
    recorder = MemoryCallRecorder()
    with pytest.raises(ModelCallError) as caught:
        run(make_client(stub, recorder=recorder).create(ask("hi")))
    message = str(caught.value)
    assert "openai/stub-model" in message and "500" in message and FAKE_KEY not in message
    assert caught.value.attempts == 3 and len(stub.requests) == 3
    assert recorder.records[0].error and len(recorder.records[0].attempts) == 3


def test_client_errors_are_not_retried(stub: StubServer) -> None:
    stub.script(StubReply(status=400))
    with pytest.raises(ModelCallError) as caught:
        run(make_client(stub).create(ask("hi")))
    assert caught.value.status == 400
    assert len(stub.requests) == 1


def test_malformed_tool_json_is_kept_raw(stub: StubServer) -> None:
    stub.script(
        StubReply(
            tool_calls=[{"name": "send_email", "arguments": {"to": "a"}}], malformed_tool_json=True
        )
    )
    result = run(make_client(stub).create(ask("go"), tools=[EMAIL_SCHEMA]))
    (call,) = result.content
    assert isinstance(call, FunctionCall)
    assert call.arguments == '{"to": "a"'


def test_agent_reports_malformed_tool_json_to_the_model(stub: StubServer) -> None:
    sent: list[str] = []

    async def send_email(to: str, subject: str) -> str:
        """Send an email."""
        sent.append(to)
        return "sent"

    stub.script(
        StubReply(
            tool_calls=[{"name": "send_email", "arguments": {"to": "a"}}], malformed_tool_json=True
        ),
        StubReply(text="I will fix the arguments."),
    )
    agent = AssistantAgent(
        "agent",
        model_client=make_client(stub),
        tools=[FunctionTool(send_email, description="Send an email.")],
        max_tool_iterations=2,
    )
    result = run(agent.run(task="email alice"))
    assert sent == []
    (execution,) = [m for m in result.messages if isinstance(m, ToolCallExecutionEvent)]
    assert execution.content[0].is_error
    followup = stub.requests[1].body["messages"]
    tool_messages = [m for m in followup if m["role"] == "tool"]
    assert tool_messages and tool_messages[0]["content"].startswith("Error:")
    assert result.messages[-1].content == "I will fix the arguments."


def test_cache_hits_and_sample_index(stub: StubServer, tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    stub.script(StubReply(text="one"), StubReply(text="two"))
    first = make_client(stub, cache=cache)
    assert [run(first.create(ask("same"))).content for _ in range(2)] == ["one", "two"]
    assert len(stub.requests) == 2

    recorder = MemoryCallRecorder()
    replay = make_client(stub, cache=cache, recorder=recorder)
    results = [run(replay.create(ask("same"))) for _ in range(2)]
    assert [r.content for r in results] == ["one", "two"]
    assert all(r.cached for r in results)
    assert len(stub.requests) == 2
    assert all(rec.cached and rec.cache_key for rec in recorder.records)
    assert replay.actual_usage().prompt_tokens == 0 < replay.total_usage().prompt_tokens

    strict = make_client(stub, cache=cache, replay_only=True)
    run(strict.create(ask("same")))
    run(strict.create(ask("same")))
    with pytest.raises(CacheMissError):
        run(strict.create(ask("same")))
    assert len(stub.requests) == 2


def test_cache_files_are_sharded(stub: StubServer, tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    run(make_client(stub, cache=cache).create(ask("x")))
    (entry,) = tmp_path.glob("*/*.json")
    assert entry.parent.name == entry.stem[:2] and len(entry.stem) == 64


def test_recorder_file_holds_no_credentials(stub: StubServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    client = make_client(
        stub,
        recorder=JsonlCallRecorder(path),
        extra={"extra_headers": {"Authorization": f"Bearer {FAKE_KEY}"}, "user_token": FAKE_KEY},
    )
    run(client.create(ask("hi")))
    stub.script(StubReply(status=401))
    with pytest.raises(ModelCallError):
        run(client.create(ask("again")))
    assert all(r.had_authorization for r in stub.requests)
    text = path.read_text()
    assert FAKE_KEY not in text and "Bearer" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["call_id"] for line in lines] == ["call-000001", "call-000002"]
    assert lines[1]["error"] and lines[1]["attempts"][0]["status"] == 401


def test_concurrency_limit_is_shared_per_model(stub: StubServer) -> None:
    stub.latency = 0.2

    async def burst() -> None:
        clients = [make_client(stub, max_concurrency=2) for _ in range(2)]
        await asyncio.gather(*(c.create(ask(f"q{i}")) for i, c in enumerate(clients * 2)))

    run(burst())
    assert len(stub.requests) == 4
    assert stub.max_in_flight == 2


def test_text_tools_mode(stub: StubServer) -> None:
    reply = (
        "Let me write.\n"
        "<tool_use:send_email>\nto: a@x.com, b@x.com\nsubject: Hi\n</tool_use:send_email>"
    )
    stub.script(StubReply(text=reply))
    result = run(make_client(stub, text_tools=True).create(ask("go"), tools=[EMAIL_SCHEMA]))
    (call,) = result.content
    assert isinstance(call, FunctionCall)
    assert call.id == "text-0" and call.name == "send_email"
    assert json.loads(call.arguments) == {"to": "a@x.com, b@x.com", "subject": "Hi"}
    assert result.thought == "Let me write."
    body = stub.requests[0].body
    assert "tools" not in body
    assert "<tool_use:TOOL_NAME>" in body["messages"][0]["content"]


def test_text_tools_round_trip_through_agent(stub: StubServer) -> None:
    sent: list[tuple[str, str]] = []

    async def send_email(to: str, subject: str) -> str:
        """Send an email."""
        sent.append((to, subject))
        return "delivered"

    stub.script(
        StubReply(text="<tool_use:send_email>\nto: a@x.com\nsubject: Hi\n</tool_use:send_email>"),
        StubReply(text="All done."),
    )
    agent = AssistantAgent(
        "agent",
        model_client=make_client(stub, text_tools=True),
        tools=[FunctionTool(send_email, description="Send an email.")],
        max_tool_iterations=2,
    )
    result = run(agent.run(task="email a"))
    assert sent == [("a@x.com", "Hi")]
    assert result.messages[-1].content == "All done."
    followup = stub.requests[1].body["messages"]
    assert all(m["role"] in ("system", "user", "assistant") for m in followup)
    assert "<tool_use:send_email>" in followup[-2]["content"]
    assert followup[-1] == {"role": "user", "content": "Tool results:\n[send_email] delivered"}


def test_create_stream_ends_with_result(stub: StubServer) -> None:
    async def collect() -> list[Any]:
        return [item async for item in make_client(stub).create_stream(ask("hi"))]

    (item,) = run(collect())
    assert isinstance(item, CreateResult) and item.content == "stub reply"


def test_count_and_remaining_tokens(stub: StubServer) -> None:
    client = make_client(stub)
    short = client.count_tokens(ask("hi"))
    long = client.count_tokens(ask("hi " * 200), tools=[EMAIL_SCHEMA])
    assert 0 < short < long
    assert client.remaining_tokens(ask("hi")) > 0


def test_offline_echo_goes_through_litellm() -> None:
    client = LiteLLMClient(model="offline/echo", retry=FAST_RETRY)
    text = run(client.create(ask("repeat me")))
    assert text.content == "repeat me" and text.usage.completion_tokens > 0
    call = run(
        client.create(ask('CALL send_email {"to": "a", "subject": "b"}'), tools=[EMAIL_SCHEMA])
    )
    assert call.finish_reason == "function_calls"
    assert call.content[0].name == "send_email"
    assert json.loads(call.content[0].arguments) == {"to": "a", "subject": "b"}


def test_unknown_offline_model_lists_registered_names() -> None:
    client = LiteLLMClient(model="offline/nope", retry=FAST_RETRY)
    with pytest.raises(ModelSetupError, match="offline/echo") as caught:
        run(client.create(ask("hi")))
    assert isinstance(caught.value.__cause__, UnknownOfflineModelError)


def test_replay_only_needs_a_cache() -> None:
    with pytest.raises(ValueError):
        LiteLLMClient(model="offline/echo", replay_only=True)


def test_scrub_drops_credentials_but_keeps_token_counts() -> None:
    params = {
        "api_key": "k",
        "max_tokens": 10,
        "max_completion_tokens": 5,
        "extra_headers": {"Authorization": "Bearer k", "X-Api-Key": "k", "Accept": "json"},
        "options": [{"client_secret": "s", "access_token": "t", "temperature": 0.1}],
    }
    assert scrub(params) == {
        "max_tokens": 10,
        "max_completion_tokens": 5,
        "extra_headers": {"Accept": "json"},
        "options": [{"temperature": 0.1}],
    }


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=3.0, multiplier=2.0, jitter=0.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    jittered = RetryPolicy(initial_backoff=1.0, jitter=0.5)
    assert all(0.5 <= jittered.backoff(1) <= 1.5 for _ in range(20))


def test_failing_offline_policy_is_not_retried() -> None:
    calls: list[int] = []

    def broken(request: OfflineRequest) -> OfflineReply:
        calls.append(1)
        raise RuntimeError("policy bug")

    register_offline_model("broken-test", broken)
    with pytest.raises(ModelCallError, match="policy bug"):
        run(LiteLLMClient(model="offline/broken-test", retry=FAST_RETRY).create(ask("hi")))
    assert calls == [1]


@pytest.mark.parametrize(
    ("model", "sent"),
    [("anthropic/claude-sonnet-4-20250514", False), ("openai/gpt-4.1", True)],
)
def test_the_seed_goes_only_to_providers_that_take_one(
    model: str, sent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    recorder = MemoryCallRecorder()
    client = LiteLLMClient(
        model=model, seed=7, recorder=recorder, retry=FAST_RETRY, extra={"mock_response": "hi"}
    )
    result = run(client.create(ask("hello")))  # litellm refuses a seed Anthropic has no use for
    assert result.content == "hi"
    assert ("seed" in recorder.records[0].params) is sent
