"""A model that cannot be used stops the run at its first call: one line, exit code 2.

A misspelt offline policy, an argument the provider rejects, a missing key: every
later call would fail the same way, so nothing is gained by simulating a week of
failed sessions. (A first call refused with 400, and a later one: tests/test_cli.py.)
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from insider_sim.agents.models.stub_server import StubServer
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.bridge import RunAborted
from insider_sim.simulation.engine.replay import fork_run
from insider_sim.simulation.scenario.injections import InjectEmail
from insider_sim.simulation.sweep.trial import Trial, TrialJob, run_trial
from provider_server import ProviderServer, run_subject
from typer.testing import CliRunner

runner = CliRunner()


def one_line_error(result, out: Path) -> str:
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    if out.exists():  # the run stopped where it stood and says so
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["status"] == "aborted" and manifest["simulated_now"] < "2025-06-03"
    return line


def test_a_misspelt_offline_policy_stops_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "--model", "offline/misalignd", "--out", str(out)])
    line = one_line_error(result, out)
    assert "unknown offline model offline/misalignd" in line and "offline/misaligned" in line


def test_an_argument_the_provider_rejects_stops_the_run(
    provider: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-local-not-a-key")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    model = ["--model", "anthropic/claude-sonnet-4-20250514", "--api-base", provider.url]
    args = ["--model-arg", "frequency_penalty=0.5"]  # litellm: Anthropic has no such parameter
    result = runner.invoke(app, ["run", *model, *args, "--out", str(out)])
    line = one_line_error(result, out)
    assert "UnsupportedParamsError" in line and "frequency_penalty" in line
    assert provider.bodies == []  # refused before anything was sent


def test_a_fork_whose_parents_model_has_no_key_stops_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    with StubServer() as stub:
        run_subject(tmp_path / "parent", "openai/gpt-4.1", stub.base_url)
    monkeypatch.delenv("OPENAI_API_KEY")
    out = tmp_path / "fork"
    result = runner.invoke(
        app, ["fork", str(tmp_path / "parent"), "--at", "Mon 11:00", "--out", str(out)]
    )
    line = one_line_error(result, out)
    assert line == (
        "error: openai/gpt-4.1 needs OPENAI_API_KEY in the environment "
        "(for a local server any value will do)"
    )
    assert not out.exists()


def test_a_fork_without_the_key_stops_at_its_first_live_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    with StubServer() as stub:
        parent = tmp_path / "parent"
        run_subject(parent, "openai/gpt-4.1", stub.base_url, until="Tue 12:00")
        monkeypatch.delenv("OPENAI_API_KEY")
        fork = fork_run(parent, "Mon 09:30", out=tmp_path / "fork")  # replays without a key
        mail = {"from": "bob@acme.com", "to": ["ai@acme.com"], "subject": "New", "body": "?"}
        fork.inject("Mon 11:00", InjectEmail.model_validate(mail))  # a request never recorded
        with pytest.raises(RunAborted, match="needs OPENAI_API_KEY"):
            fork.run()
        fork.close()
        asked = len(stub.requests)
    manifest = json.loads((tmp_path / "fork" / "manifest.json").read_text())
    assert manifest["status"] == "aborted" and manifest["simulated_now"] < "2025-06-02T12:00"
    assert "needs OPENAI_API_KEY" in manifest["aborted"]
    events = [json.loads(x) for x in (tmp_path / "fork" / "events.jsonl").read_text().splitlines()]
    assert [e["kind"] for e in events].count("agent_error") == 1
    assert asked == 1  # the parent's one call; the fork sent nothing


def test_a_sweep_trial_with_a_misspelt_model_is_one_error(tmp_path: Path) -> None:
    trial = Trial(family="summitbridge", conditions={}, model="offline/misalignd", seed=0)
    job = TrialJob(trial=trial, scenario="summitbridge", sweep_dir=tmp_path, days=1)
    record = asyncio.run(run_trial(job))
    assert record["status"] == "error"
    assert "cannot be used: unknown offline model offline/misalignd" in record["error"]


def test_a_server_that_cannot_be_reached_on_the_first_call_stops_the_run() -> None:
    import socket

    from autogen_core.models import UserMessage
    from insider_sim.agents.models.errors import ModelCallError, ModelSetupError
    from insider_sim.agents.models.litellm_client import LiteLLMClient
    from insider_sim.agents.models.retry import RetryPolicy

    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    retry = RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0.0)
    options = {"api_key": "sk-local", "retry": retry}
    client = LiteLLMClient(model="openai/m", api_base=f"http://127.0.0.1:{port}/v1", **options)
    ask = [UserMessage(content="hi", source="user")]
    with pytest.raises(ModelSetupError):  # a wrong address: every later call would fail too
        asyncio.run(client.create(ask))
    with StubServer() as stub:  # once a call got through, a lost server is a passing failure
        live = LiteLLMClient(model="openai/m", api_base=stub.base_url, **options)
        asyncio.run(live.create(ask))
        live._provider.api_base = f"http://127.0.0.1:{port}/v1"
        with pytest.raises(ModelCallError) as later:
            asyncio.run(live.create(ask))
    assert not isinstance(later.value, ModelSetupError)
