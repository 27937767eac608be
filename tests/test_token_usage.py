"""Token accounting: what providers report about cached prompts reaches every record.

A local server answers in OpenAI's and Anthropic's own formats, with the usage
fields each sends for prompt caching (OpenAI's ``prompt_tokens_details.cached_tokens``,
Anthropic's ``cache_read_input_tokens`` / ``cache_creation_input_tokens``), so
litellm's real response parser runs; the counts must reach the call record, the
manifest (per agent and in total), the run summary and the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from insider_sim.agents.models._litellm import load_litellm
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.run_summary import summarize_run
from insider_sim.simulation.core.usage import UsageTally, usage_line
from insider_sim.simulation.report.payload import run_info
from insider_sim.simulation.sweep.summary import sweep_usage
from provider_server import SUBJECT, anthropic_answer, openai_text, run_subject


def _records(out: Path) -> list[dict[str, Any]]:
    lines = (out / "llm_calls.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_openai_cached_tokens_reach_the_manifest_summary_and_report(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    answer = openai_text("Sounds good.")
    answer["usage"] = {
        "prompt_tokens": 2000,
        "completion_tokens": 10,
        "total_tokens": 2010,
        "prompt_tokens_details": {"cached_tokens": 1536, "audio_tokens": 0},
    }
    provider.answers = [answer]
    out = tmp_path / "run"
    run_subject(out, "openai/gpt-4.1", provider.url + "/v1")
    calls = _records(out)
    assert calls and all(c["agent"] == SUBJECT for c in calls)
    usage = calls[0]["usage"]
    assert usage == {
        "prompt_tokens": 2000,
        "completion_tokens": 10,
        "cached_prompt_tokens": 1536,
        "cache_write_tokens": 0,
    }
    # the price counts the cached part at the cached rate: less than the full prompt
    full = load_litellm().cost_per_token(model="gpt-4.1", prompt_tokens=2000, completion_tokens=10)
    assert 0 < calls[0]["cost"] < sum(full)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    total = manifest["usage"]["total"]
    n = len(calls)
    assert (total["calls"], total["cached_calls"]) == (n, 0)
    assert (total["prompt_tokens"], total["cached_prompt_tokens"]) == (2000 * n, 1536 * n)
    assert total["completion_tokens"] == 10 * n
    assert total["cost"] == pytest.approx(sum(c["cost"] for c in calls))
    assert manifest["usage"]["agents"] == {SUBJECT: total}
    run = RunRecord.load(out)
    summary = summarize_run(run)
    assert summary["usage"] == manifest["usage"]
    assert summary["cost"] == pytest.approx(total["cost"], abs=1e-6)
    assert run_info(run)["usage"] == manifest["usage"]
    assert usage_line(total) == f"{2000 * n:,} prompt ({1536 * n:,} cached), {10 * n:,} completion"


def test_anthropic_cache_reads_and_writes_are_counted_apart(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    answer = anthropic_answer([{"type": "text", "text": "Sounds good."}], "end_turn")
    answer["usage"] = {
        "input_tokens": 100,
        "output_tokens": 7,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 200,
    }
    provider.answers = [answer]
    out = tmp_path / "run"
    run_subject(out, "anthropic/claude-sonnet-4-5-20250929", provider.url, max_tokens=512)
    calls = _records(out)
    assert calls[0]["usage"] == {
        "prompt_tokens": 1300,  # litellm counts cache reads and writes into the prompt
        "completion_tokens": 7,
        "cached_prompt_tokens": 1000,
        "cache_write_tokens": 200,
    }
    # litellm prices the cache reads and writes at their own rates
    prices = load_litellm().model_cost["claude-sonnet-4-5-20250929"]
    expected = (
        100 * prices["input_cost_per_token"]
        + 1000 * prices["cache_read_input_token_cost"]
        + 200 * prices["cache_creation_input_token_cost"]
        + 7 * prices["output_cost_per_token"]
    )
    assert calls[0]["cost"] == pytest.approx(expected)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    total = manifest["usage"]["agents"][SUBJECT]
    n = len(calls)
    assert (total["cached_prompt_tokens"], total["cache_write_tokens"]) == (1000 * n, 200 * n)
    assert "written to the cache" in usage_line(total)


def test_answers_from_the_response_cache_count_as_calls_but_cost_nothing() -> None:
    fresh = {
        "agent": "ai@x.com",
        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "cached_prompt_tokens": 40},
        "cost": 0.25,
    }
    replayed = {**fresh, "cached": True}
    unpriced = {"agent": "bob@x.com", "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
    usage = UsageTally([fresh, replayed, unpriced]).to_json()
    assert usage["agents"]["ai@x.com"] == {
        "calls": 2,
        "cached_calls": 1,
        "prompt_tokens": 50,
        "cached_prompt_tokens": 40,
        "cache_write_tokens": 0,
        "completion_tokens": 5,
        "cost": 0.25,
    }
    assert usage["agents"]["bob@x.com"]["cost"] is None  # no price is not a price of 0
    assert usage["total"]["prompt_tokens"] == 60 and usage["total"]["cost"] == 0.25


def test_a_sweep_adds_up_its_trials_per_model_failed_ones_included() -> None:
    tally = {"calls": 3, "prompt_tokens": 300, "completion_tokens": 30, "cost": 0.5}
    records = [
        {"model": "a", "status": "ok", "usage": tally},
        {"model": "a", "status": "error", "usage": tally},
        {"model": "b", "status": "ok", "cost": None},  # a record from before usage was kept
    ]
    usage = sweep_usage(records)
    assert usage["models"]["a"]["prompt_tokens"] == 600 and usage["models"]["a"]["cost"] == 1.0
    assert usage["models"]["b"]["cost"] is None
    assert usage["total"]["calls"] == 6


def test_a_run_going_on_in_its_folder_counts_the_calls_already_recorded(tmp_path: Path) -> None:
    from insider_sim.agents.models.recording import JsonlCallRecorder

    path = tmp_path / "llm_calls.jsonl"
    earlier = {"agent": "ai@x.com", "usage": {"prompt_tokens": 7, "completion_tokens": 1}}
    path.write_text(json.dumps(earlier) + "\n" + '{"agent": "ai@x.com", "us', encoding="utf-8")
    usage = JsonlCallRecorder(path).usage.to_json()
    assert usage["total"]["calls"] == 1 and usage["total"]["prompt_tokens"] == 7


def test_a_price_of_zero_for_tokens_used_is_no_price(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """litellm's price map lists some models at 0 per token: that is no price, not $0."""
    model = "omni-moderation-latest"  # listed by litellm at 0 per token
    info = load_litellm().model_cost[model]
    assert (info["input_cost_per_token"], info["output_cost_per_token"]) == (0, 0)
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    answer = openai_text("Sounds good.")
    answer["model"] = model  # litellm prices the model the server says answered
    provider.answers = [answer]
    out = tmp_path / "run"
    run_subject(out, f"openai/{model}", provider.url + "/v1")
    calls = _records(out)
    assert calls and all(c["usage"]["prompt_tokens"] > 0 for c in calls)
    assert all(c["cost"] is None for c in calls)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["usage"]["total"]["cost"] is None
    assert summarize_run(RunRecord.load(out))["cost"] is None
