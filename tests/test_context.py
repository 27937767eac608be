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
from insider_sim.agents.context import (
    NOT_RUN,
    ContextBudget,
    estimate_tokens,
    fit,
    paired,
    sessions,
)
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


def _orphans(history: list[Any]) -> list[int]:
    """Positions of tool calls not answered right after, and of results without their call."""
    bad = []
    for i, message in enumerate(history):
        if isinstance(message, AssistantMessage) and isinstance(message.content, list):
            after = history[i + 1] if i + 1 < len(history) else None
            ids = {c.id for c in message.content}
            if (
                not isinstance(after, FunctionExecutionResultMessage)
                or {r.call_id for r in after.content} != ids
            ):
                bad.append(i)
        if isinstance(message, FunctionExecutionResultMessage):
            before = history[i - 1] if i else None
            calls = before.content if isinstance(before, AssistantMessage) else None
            if not isinstance(calls, list) or {c.id for c in calls} != {
                r.call_id for r in message.content
            }:
                bad.append(i)
    return bad


def test_a_call_left_without_its_result_is_answered_not_run_and_the_prefix_stays() -> None:
    failed = session(1)[:2]  # the session failed while its tool ran
    history = [*session(0), *failed]
    sent_before = list(history[:-1])  # the prompt of the failed call
    history += [UserMessage(content="wake 2", source="company")]
    fixed = paired(history)
    assert _orphans(history) and not _orphans(fixed)
    assert fixed[: len(sent_before)] == sent_before  # what was sent before is still a prefix
    (result,) = fixed[len(history) - 1].content
    assert (result.call_id, result.is_error, result.content) == ("c1", True, NOT_RUN)
    assert paired(fixed) == fixed  # stored once, then stable


def test_results_without_their_call_are_dropped_and_missing_ones_added() -> None:
    call = AssistantMessage(
        content=[
            FunctionCall(id="a", name="read_inbox", arguments="{}"),
            FunctionCall(id="b", name="send_email", arguments="{}"),
        ],
        source="alex",
    )
    one = FunctionExecutionResultMessage(
        content=[FunctionExecutionResult(content="ok", call_id="a", name="read_inbox")]
    )
    stray = FunctionExecutionResultMessage(
        content=[FunctionExecutionResult(content="ok", call_id="z", name="read_inbox")]
    )
    history = [UserMessage(content="wake", source="company"), stray, call, one]
    fixed = paired(history)
    assert not _orphans(fixed) and stray not in fixed
    assert [r.call_id for r in fixed[-1].content] == ["a", "b"]


def test_history_grows_append_only_until_the_budget_then_compacts_once_without_orphans() -> None:
    import asyncio

    from insider_sim.agents.context import SessionContext

    context = SessionContext(ContextBudget(3_000), reserve=0)
    prompts = []
    for n in range(40):
        for message in session(n, size=300 + 37 * (n % 5)):
            asyncio.run(context.add_message(message))
            if isinstance(message, UserMessage | FunctionExecutionResultMessage):
                prompts.append(asyncio.run(context.get_messages()))
        if n % 7 == 3:  # a session that failed while its last tool ran
            asyncio.run(context.add_message(session(100 + n)[1]))
    steps = [i for i, (a, b) in enumerate(itertools.pairwise(prompts)) if b[: len(a)] != a]
    assert steps and len(steps) < len(prompts) // 4  # a few large steps, append-only between
    for i in steps:
        assert estimate_tokens(prompts[i + 1]) <= 3_000 // 2 + estimate_tokens(session(0, 500))
    for prompt in prompts:
        assert isinstance(prompt[0], UserMessage) and not _orphans(prompt)
        assert estimate_tokens(prompt) <= 3_000
