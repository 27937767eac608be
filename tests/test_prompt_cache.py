"""Prompt caching where the provider must be asked: Anthropic's ``cache_control``.

A local server answering in Anthropic's format keeps what litellm sent, so the
test sees the real request: breakpoints on the system prompt and on the newest
turn (a user note or a tool result), none with the setting off, and never for a
provider that caches on its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from insider_sim.agents.models.litellm_client import LiteLLMClient, asks_for_prompt_cache
from insider_sim.agents.models.recording import MemoryCallRecorder
from insider_sim.agents.models.retry import RetryPolicy
from provider_server import anthropic_answer, ask_with_a_tool, openai_text, run_subject

MODEL = "anthropic/claude-sonnet-4-5-20250929"
POINT = {"type": "ephemeral"}


def _marks(body: dict[str, Any]) -> list[str]:
    """Where a request holds ``cache_control``: ``system`` and ``<role>[<index>]``."""
    found = []
    system = body.get("system")
    if isinstance(system, list) and any(b.get("cache_control") == POINT for b in system):
        found.append("system")
    for i, message in enumerate(body["messages"]):
        content = message["content"]
        blocks = content if isinstance(content, list) else []
        if any(b.get("cache_control") == POINT for b in blocks):
            found.append(f"{message['role']}[{i}]")
    return found


def _two_calls(provider: Any, **options: Any) -> tuple[LiteLLMClient, MemoryCallRecorder]:
    tool_use = {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": {"query": "q3"}}
    provider.answers = [
        anthropic_answer([tool_use], "tool_use"),
        anthropic_answer([{"type": "text", "text": "Sent the numbers."}], "end_turn"),
    ]
    recorder = MemoryCallRecorder()
    client = LiteLLMClient(
        model=MODEL,
        api_base=provider.url,
        retry=RetryPolicy(max_attempts=1),
        recorder=recorder,
        extra={"max_tokens": 256},
        **options,
    )
    assert ask_with_a_tool(client) == "Sent the numbers."
    return client, recorder


def test_anthropic_gets_breakpoints_on_the_system_prompt_and_the_newest_turn(
    provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    _, recorder = _two_calls(provider)
    first, second = provider.bodies
    assert _marks(first) == ["system", "user[0]"]
    last = len(second["messages"]) - 1
    assert _marks(second) == ["system", f"user[{last}]"]  # the tool result, newest
    assert second["messages"][last]["content"][-1]["type"] == "tool_result"
    # the record and the response cache key are those of the request without the marks
    assert "cache_control" not in json.dumps([r.messages for r in recorder.records])


def test_no_prompt_cache_sends_no_breakpoints_and_keys_the_same(
    provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    _, marked = _two_calls(provider)
    provider.bodies.clear()
    _, plain = _two_calls(provider, prompt_cache=False)
    assert all(_marks(body) == [] for body in provider.bodies)
    assert [r.messages for r in plain.records] == [r.messages for r in marked.records]


def test_providers_that_cache_unasked_get_no_marks() -> None:
    assert asks_for_prompt_cache(MODEL)
    assert not asks_for_prompt_cache("openai/gpt-4.1")
    assert not asks_for_prompt_cache("gemini/gemini-2.5-pro")
    assert not asks_for_prompt_cache("offline/misaligned")


def test_a_run_asks_for_the_cache_unless_told_not_to(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    provider.answers = [anthropic_answer([{"type": "text", "text": "Noted."}], "end_turn")]
    run_subject(tmp_path / "on", MODEL, provider.url, max_tokens=256)
    assert provider.bodies and all("system" in _marks(b) for b in provider.bodies)
    provider.bodies.clear()
    run_subject(tmp_path / "off", MODEL, provider.url, max_tokens=256, prompt_cache=False)
    assert provider.bodies and all(_marks(b) == [] for b in provider.bodies)
    manifest = json.loads((tmp_path / "off" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["prompt_cache"] is False


def test_openai_requests_are_left_as_they_are(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    provider.answers = [openai_text("Noted.")]
    run_subject(tmp_path / "run", "openai/gpt-4.1", provider.url + "/v1")
    assert provider.bodies and "cache_control" not in json.dumps(provider.bodies)


def test_no_prompt_cache_reaches_run_fork_and_sweep_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from insider_sim.simulation.cli.main import app
    from insider_sim.simulation.sweep.runner import Sweep
    from insider_sim.simulation.sweep.trial import prepare
    from typer.testing import CliRunner

    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    base = ["--model", "offline/misaligned", "--days", "1.2", "--quiet", "--no-cache"]
    result = runner.invoke(app, ["run", *base, "--no-prompt-cache", "--out", "off"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["run", *base, "--out", "on"])
    assert result.exit_code == 0, result.output

    def setting(run: str) -> bool:
        manifest = json.loads((tmp_path / run / "manifest.json").read_text(encoding="utf-8"))
        return manifest["settings"]["prompt_cache"]

    assert (setting("off"), setting("on")) == (False, True)
    fork = ["fork", "on", "--at", "Mon 12:00", "--quiet", "--no-cache"]
    result = runner.invoke(app, [*fork, "--no-prompt-cache", "--out", "fork-off"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["fork", "off", "--at", "Mon 12:00", "--quiet", "--out", "fork-as"])
    assert result.exit_code == 0, result.output
    assert (setting("fork-off"), setting("fork-as")) == (False, False)  # else the parent's
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "name: g\nfamilies: [summitbridge]\nmodels: [offline/misaligned]\nseeds: 1\ndays: 0.2\n",
        encoding="utf-8",
    )
    plan = Sweep.plan(
        grid, out=tmp_path / "s", judge_model=None, cache_dir=None, prompt_cache=False
    )
    job = plan.job(plan.trials()[0])
    assert job.prompt_cache is False
    sim = prepare(job)
    sim.close()
    assert sim.settings.prompt_cache is False
    result = runner.invoke(app, ["sweep", str(grid), "--help"])
    assert "--no-prompt-cache" in result.output
