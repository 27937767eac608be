"""The stub server's faults: each kind as it goes over the wire, and how the client takes it.

A transient fault is tried again and the call succeeds; one that lasts fails the
call as an error (never a refusal, never a setup error that stops the run); a
malformed tool call is an attempt that is not run. Through a run, a failed session
is an agent error, the trial is an error (never harmless) and the replay is
identical.
"""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path
from typing import Any

import pytest
from autogen_core.models import UserMessage
from conftest import of_kind, read_lines
from insider_sim.agents.models.errors import ModelCallError, ModelSetupError
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.recording import MemoryCallRecorder
from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.stub_faults import FAULT_KINDS, FaultPlan
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.simulation.analysis.verdicts import compute_verdicts
from insider_sim.simulation.engine.replay import replay_run
from insider_sim.simulation.sweep.trial import Trial, TrialJob, trial_record
from provider_server import run_subject

TOOLS = [{"type": "function", "function": {"name": "email", "parameters": {"type": "object"}}}]
FAST = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.1, jitter=0.0)
TIMEOUT = 0.3  # the client's, per attempt
PLAN = FaultPlan(hang=TIMEOUT + 0.3, retry_after=0.05)
FAILING = [k for k in FAULT_KINDS if k != "malformed_tool_call"]
ERROR_CLASSES = {
    "rate_limit": {"RateLimitError"},
    "rate_limit_retry_after": {"RateLimitError"},
    "server_error": {"InternalServerError", "BadGatewayError", "ServiceUnavailableError"},
    "timeout": {"Timeout"},
    "reset": {"InternalServerError"},
    "truncated_json": {"InternalServerError"},
    "html_page": {"InternalServerError"},
    "empty_choices": {"EmptyResponse"},
}


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")


def serving(kind: str, **plan: Any) -> StubServer:
    """A stub whose every answer is a ``kind`` fault."""
    options = {"hang": 0.5, "retry_after": 0.25, **plan}
    return StubServer(faults=FaultPlan(rate=1.0, kinds=(kind,), **options))


def post(
    stub: StubServer, body: dict[str, Any] | None = None, timeout: float = 5
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    """Send a chat request; return the response (body unread) and its connection."""
    connection = http.client.HTTPConnection("127.0.0.1", stub.server_address[1], timeout=timeout)
    data = json.dumps(body or {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    headers = {"Content-Type": "application/json"}
    connection.request("POST", "/v1/chat/completions", body=data, headers=headers)
    return connection.getresponse(), connection


# -- on the wire ---------------------------------------------------------------
def test_429_with_and_without_retry_after() -> None:
    for kind, header in (("rate_limit", None), ("rate_limit_retry_after", "0.25")):
        with serving(kind) as stub:
            response, _ = post(stub)
            assert response.status == 429 and response.getheader("Retry-After") == header
            assert json.loads(response.read())["error"]["type"] == "rate_limit_error"
            assert stub.served == {kind: 1}


def test_server_errors_are_5xx() -> None:
    with serving("server_error") as stub:
        statuses = set()
        for _ in range(12):
            response, _ = post(stub)
            statuses.add(response.status)
            assert json.loads(response.read())["error"]["type"] == "server_error"
        assert statuses <= {500, 502, 503} and len(statuses) > 1
        assert stub.served == {"server_error": 12}


def test_a_timeout_never_answers() -> None:
    with serving("timeout", hang=0.6) as stub:
        with pytest.raises(TimeoutError):  # the client gives up first
            post(stub, timeout=0.2)
        with pytest.raises(http.client.RemoteDisconnected):  # then it hangs up, unanswered
            post(stub, timeout=5)
        assert stub.served == {"timeout": 2}


def test_a_reset_cuts_the_body_with_a_tcp_reset() -> None:
    with serving("reset") as stub:
        response, _ = post(stub)
        assert response.status == 200
        with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
            response.read()
        assert stub.served == {"reset": 1}


def test_truncated_json_is_half_a_body_of_its_own_length() -> None:
    with serving("truncated_json") as stub:
        response, _ = post(stub)
        data = response.read()
        assert response.status == 200 and int(response.getheader("Content-Length")) == len(data)
        assert data.startswith(b'{"id": "chatcmpl-stub-1"')
        with pytest.raises(json.JSONDecodeError):
            json.loads(data)


def test_an_html_page_with_status_200() -> None:
    with serving("html_page") as stub:
        response, _ = post(stub)
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")
        assert response.read().startswith(b"<!DOCTYPE html>")


def test_empty_choices() -> None:
    with serving("empty_choices") as stub:
        response, _ = post(stub)
        body = json.loads(response.read())
        assert response.status == 200 and body["choices"] == [] and body["usage"]


def test_malformed_tool_calls_need_tools() -> None:
    with serving("malformed_tool_call") as stub:
        ask = {"role": "user", "content": 'CALL email {"to": "a@b.c"}'}
        response, _ = post(stub, {"model": "m", "messages": [ask], "tools": TOOLS})
        (call,) = json.loads(response.read())["choices"][0]["message"]["tool_calls"]
        assert call["function"]["name"] == "email"
        with pytest.raises(json.JSONDecodeError):
            json.loads(call["function"]["arguments"])
        response, _ = post(stub, {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        (choice,) = json.loads(response.read())["choices"]  # no tools: a plain answer
        assert (
            choice["message"]["content"] == "stub reply" and "tool_calls" not in choice["message"]
        )
        assert stub.served == {"malformed_tool_call": 1, "ok": 1}


def test_faults_are_drawn_seeded_at_the_rate_from_the_kinds() -> None:
    def draws(seed: int, rate: float, kinds: tuple[str, ...] = FAULT_KINDS) -> list[str | None]:
        plan = FaultPlan(rate, kinds, seed)
        return [plan.draw() for _ in range(2000)]

    first = draws(1, 0.2)
    assert first == draws(1, 0.2) and first != draws(2, 0.2)
    assert 0.17 < sum(k is not None for k in first) / len(first) < 0.23
    assert {k for k in first if k} == set(FAULT_KINDS)
    assert set(draws(1, 0.5, ("reset", "html_page"))) == {None, "reset", "html_page"}
    assert set(draws(1, 0.0)) == {None}
    for bad in ({"rate": 1.5}, {"kinds": ("teapot",)}, {"kinds": ()}, {"hang": -1}):
        with pytest.raises(ValueError):
            FaultPlan(**bad)


def test_the_script_comes_before_drawn_faults_and_everything_is_counted() -> None:
    with StubServer(faults=FaultPlan(rate=1.0, kinds=("html_page",))) as stub:
        stub.script(StubReply(text="scripted"), StubReply(status=429, retry_after=2))
        first, _ = post(stub)
        assert json.loads(first.read())["choices"][0]["message"]["content"] == "scripted"
        assert post(stub)[0].getheader("Retry-After") == "2"
        assert post(stub)[0].getheader("Content-Type").startswith("text/html")
        assert stub.served == {"ok": 1, "rate_limit_retry_after": 1, "html_page": 1}


# -- through litellm -------------------------------------------------------------
def client(stub: StubServer, recorder: MemoryCallRecorder) -> LiteLLMClient:
    return LiteLLMClient(
        model="openai/stub-model",
        api_base=stub.base_url,
        api_key="sk-local-not-a-key",
        timeout=TIMEOUT,
        retry=FAST,
        recorder=recorder,
    )


def ask(text: str = "hi") -> list[Any]:
    return [UserMessage(content=text, source="user")]


@pytest.mark.parametrize("kind", FAILING)
def test_a_passing_fault_is_tried_again(kind: str) -> None:
    recorder = MemoryCallRecorder()
    with StubServer() as stub:
        stub.script(PLAN.serve(kind, StubReply(text="x"), {}))
        live = client(stub, recorder)
        result = asyncio.run(live.create(ask()))
        assert result.content == "stub reply" and live.last_refusal is None
        assert stub.served == {kind: 1, "ok": 1}
    failed, succeeded = recorder.records[0].attempts
    assert not failed.ok and failed.error_class in ERROR_CLASSES[kind] and succeeded.ok
    assert recorder.records[0].error is None


@pytest.mark.parametrize("kind", FAILING)
def test_a_lasting_fault_fails_the_call_as_an_error(kind: str) -> None:
    """Also on a model's first call: the server was reached, the run goes on."""
    recorder = MemoryCallRecorder()
    with StubServer() as stub:
        stub.script(*[PLAN.serve(kind, StubReply(text="x"), {})] * FAST.max_attempts)
        live = client(stub, recorder)
        with pytest.raises(ModelCallError) as caught:
            asyncio.run(live.create(ask()))
        assert not isinstance(caught.value, ModelSetupError)
        assert caught.value.attempts == FAST.max_attempts and live.last_refusal is None
        # an attempt may also fail on a connection the fault left dead, before the server
        # sees it (seen under load with truncated bodies): never more than the attempts
        assert set(stub.served) == {kind} and 1 <= stub.served[kind] <= FAST.max_attempts
    (record,) = recorder.records
    assert record.error and record.response is None
    assert {a.error_class for a in record.attempts} <= ERROR_CLASSES[kind]


def test_a_malformed_tool_call_comes_back_as_written() -> None:
    recorder = MemoryCallRecorder()
    with StubServer() as stub:
        stub.script(PLAN.serve("malformed_tool_call", StubReply(text="sending"), {"tools": TOOLS}))
        result = asyncio.run(client(stub, recorder).create(ask(), tools=TOOLS))
    (call,) = result.content  # the agent refuses to run it (see the run below)
    assert call.name == "email" and call.arguments == '{"text": "sending"'
    assert recorder.records[0].error is None and len(recorder.records[0].attempts) == 1


# -- through a run -----------------------------------------------------------------
def test_failed_sessions_are_errors_never_harmless_and_replay_alike(tmp_path: Path) -> None:
    out = tmp_path / "run"
    kinds = ("server_error", "reset", "truncated_json", "html_page", "empty_choices")
    with StubServer(faults=FaultPlan(rate=1.0, kinds=kinds, seed=3)) as stub:
        sim = run_subject(out, "openai/stub-model", stub.base_url, retry=FAST, until="Mon 11:00")
        served = stub.served
    assert sum(served.values()) == FAST.max_attempts and set(served) <= set(kinds)
    errors = of_kind(read_lines(out / "events.jsonl"), "agent_error")
    assert len(errors) == sim.bridge.failed_sessions == 1
    assert not of_kind(read_lines(out / "events.jsonl"), "provider_refused")
    verdicts = compute_verdicts(out, judge_model=None)
    assert verdicts.error and verdicts.refused_by_provider == 0
    trial = Trial(family="subject", conditions={}, model="openai/stub-model", seed=0)
    job = TrialJob(trial=trial, scenario="subject", sweep_dir=tmp_path)
    assert trial_record(job, verdicts, None, 0.0)["status"] == "error"
    replayed = replay_run(out, out=tmp_path / "replay")
    assert replayed.folder is not None
    assert replayed.folder.events.read_bytes() == (out / "events.jsonl").read_bytes()


def test_the_command_line_server_refuses_a_bad_fault_plan() -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "insider_sim.agents.models.stub_server", "--port", "0"]
    done = subprocess.run([*command, "--fault-rate", "2"], capture_output=True, text=True)
    assert done.returncode == 2 and "fault rate 2.0 is not between 0 and 1" in done.stderr
    assert "Traceback" not in done.stderr


def test_malformed_tool_calls_are_logged_attempts_never_harmless(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with StubServer(faults=FaultPlan(rate=1.0, kinds=("malformed_tool_call",))) as stub:
        run_subject(out, "openai/stub-model", stub.base_url, retry=FAST, until="Mon 11:00")
        served = stub.served
    events = read_lines(out / "events.jsonl")
    calls = of_kind(events, "tool_call")
    assert calls and len(calls) == served["malformed_tool_call"]
    assert all(not c["ok"] and c["failure"] == "unreadable" for c in calls)
    assert not of_kind(events, "agent_error") and not of_kind(events, "provider_refused")
    verdicts = compute_verdicts(out, judge_model=None)
    trial = Trial(family="subject", conditions={}, model="openai/stub-model", seed=0)
    job = TrialJob(trial=trial, scenario="subject", sweep_dir=tmp_path)
    assert trial_record(job, verdicts, None, 0.0)["status"] == "could_not_act"


def test_the_retry_policy_is_a_run_setting() -> None:
    from insider_sim.simulation.engine.settings import RunSettings
    from pydantic import ValidationError

    assert RunSettings(retry={"max_attempts": 2}).retry.max_attempts == 2
    assert RunSettings().retry == RetryPolicy()
    with pytest.raises(ValidationError, match="max_atempts"):
        RunSettings(retry={"max_atempts": 2})
