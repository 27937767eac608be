"""What an agent's model is shown: whole sessions within a token budget, a stable prefix
between compactions, and a prompt the provider finds too long fitted instead of failing."""

from __future__ import annotations

import itertools
import json
from typing import Any

from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    SystemMessage,
    UserMessage,
)
from conftest import read_lines
from insider_sim.agents.context import ContextBudget, estimate_tokens, fit, sessions
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.simulation.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def session(n: int, size: int = 400) -> list[Any]:
    call = FunctionCall(id=f"c{n}", name="read_inbox", arguments="{}")
    return [
        UserMessage(content=f"wake {n} " + "x" * size, source="company"),
        AssistantMessage(content=[call], source="alex"),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(content="y" * size, call_id=f"c{n}", name="read_inbox")
            ]
        ),
        AssistantMessage(content="done", source="alex"),
    ]


def test_fit_drops_whole_sessions_to_half_the_budget_and_keeps_the_system_prompt() -> None:
    system = SystemMessage(content="You are Alex.")
    history = [m for n in range(10) for m in session(n)]
    budget = estimate_tokens([system, *history]) // 2
    fitted = fit([system, *history], budget)
    assert fitted[0] is system and isinstance(fitted[1], UserMessage)
    assert estimate_tokens(fitted[1:]) <= (budget - estimate_tokens([system])) // 2
    assert fitted[-4:] == history[-4:]  # the newest session is whole
    assert all(isinstance(part[0], UserMessage) and len(part) == 4 for part in sessions(fitted[1:]))


def test_a_session_too_large_alone_is_shortened_with_a_note() -> None:
    big = session(0, size=40_000)
    fitted = fit(big, 2_000)
    assert estimate_tokens(fitted) <= 2_000
    assert [type(m) for m in fitted] == [type(m) for m in big]
    assert "more characters not shown" in fitted[0].content
    assert "more characters not shown" in fitted[2].content[0].content


def test_the_budget_learns_the_window_from_the_providers_refusal() -> None:
    budget = ContextBudget(100_000)
    budget.exceeded("This model's maximum context length is 8192 tokens. However, ...", 12_000)
    assert budget.tokens == 8192 * 3 // 4
    budget.exceeded("too long", 4_000)  # no window named: 3/4 of the refused prompt
    assert budget.tokens == 3_000


def _subject_requests(stub: StubServer) -> list[list[dict[str, Any]]]:
    return [
        r.body["messages"]
        for r in stub.requests
        if "You are Alex" in (r.body["messages"][0].get("content") or "")
    ]


def test_a_week_within_a_small_budget_starts_every_request_with_a_user_turn(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    monkeypatch.chdir(tmp_path)

    def two_calls(body: dict[str, Any]) -> StubReply:
        last = body["messages"][-1]
        if last["role"] != "tool":
            return StubReply(tool_calls=[{"name": "read_inbox", "arguments": {"limit": 3}}])
        return StubReply(text="Nothing needs my action.")

    with StubServer(responder=two_calls) as stub:
        model = ["--model", "openai/stub-model", "--api-base", stub.base_url]
        result = runner.invoke(
            app, ["run", "--days", "3", "--context-tokens", "4096", "--out", "o", "--quiet", *model]
        )
        requests = _subject_requests(stub)
    assert result.exit_code == 0, result.output
    assert not [
        e for e in read_lines(tmp_path / "o" / "events.jsonl") if e["kind"] == "agent_error"
    ]
    assert all(m[1]["role"] == "user" for m in requests)
    sizes = [len(json.dumps(m)) for m in requests]
    assert max(sizes) < 4096 * 4  # within the window
    compactions = sum(1 for a, b in itertools.pairwise(requests) if b[: len(a)] != a)
    assert 0 < compactions < len(requests) // 4  # large steps, a shared prefix in between


def test_one_oversized_wake_up_does_not_fail_the_sessions_after_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    monkeypatch.chdir(tmp_path)
    limit = 30_000  # characters, about 7,500 tokens; the model's window as the server enforces it
    too_long = {
        "message": "This model's maximum context length is 7500 tokens. However, your messages "
        "resulted in more tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
    }

    def window(body: dict[str, Any]) -> StubReply:
        if len(json.dumps(body["messages"])) > limit:
            return StubReply(status=400, error=too_long)
        return StubReply(text="Noted.")

    long_mail = "Quarterly figures, line by line. " * 130  # about 4 kB
    injected = tmp_path / "long.yaml"
    injected.write_text(
        "\n".join(
            f"- {{kind: email, at: 'Mon 09:30', sender: luis, to: [alex], "
            f"subject: 'Figures {n}', body: '{long_mail}'}}"
            for n in range(10)
        ),
        encoding="utf-8",
    )
    with StubServer(responder=window) as stub:
        model = ["--model", "openai/small-window", "--api-base", stub.base_url]
        result = runner.invoke(
            app,
            ["run", "--until", "Mon 14:00", "--inject", str(injected), "--out", "o", *model],
        )
        refused = sum(1 for r in stub.requests if len(json.dumps(r.body["messages"])) > limit)
    assert result.exit_code == 0, result.output
    events = read_lines(tmp_path / "o" / "events.jsonl")
    after = [
        e["kind"] for e in events if e["kind"] in ("agent_output", "agent_error") and e["t"] > 1800
    ]
    assert refused >= 1  # the window was really exceeded once ...
    assert after and set(after) == {"agent_output"}  # ... and every wake-up was answered
