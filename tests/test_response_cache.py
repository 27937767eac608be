"""The response cache: what decides an answer keys it, failures replay as failures, and
credentials given with a server's address or a model argument never reach a file."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from autogen_core.models import SystemMessage, UserMessage
from insider_sim.agents.models.cache import ResponseCache, RunCache
from insider_sim.agents.models.errors import ModelCallError
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.recording import redact_url, scrub
from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.simulation.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()
ONE_TRY = RetryPolicy(max_attempts=1)


def ask(text: str) -> list[Any]:
    return [SystemMessage(content="You are a test."), UserMessage(content=text, source="user")]


def client(api_base: str, cache: Any, **kwargs: Any) -> LiteLLMClient:
    options = {"model": "openai/same-name", "api_key": "sk-local", "retry": ONE_TRY}
    return LiteLLMClient(api_base=api_base, cache=cache, **options, **kwargs)


def test_another_server_under_the_same_model_name_is_another_model(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    first = StubServer(responder=lambda body: StubReply(text="from the first server"))
    second = StubServer(responder=lambda body: StubReply(text="from the second server"))
    with first, second:
        a = asyncio.run(client(first.base_url, cache).create(ask("hello")))
        b = asyncio.run(client(second.base_url, cache).create(ask("hello")))
        again = asyncio.run(client(first.base_url, cache).create(ask("hello")))
        reached = len(first.requests), len(second.requests)
    assert (a.content, b.content) == ("from the first server", "from the second server")
    assert not b.cached and again.cached and again.content == "from the first server"
    assert reached == (1, 1)


def test_a_failed_call_replays_as_the_same_failure_and_stays_out_of_the_shared_cache(
    tmp_path: Path,
) -> None:
    own, shared = ResponseCache(tmp_path / "own"), ResponseCache(tmp_path / "shared")
    with StubServer(responder=lambda body: StubReply(status=400)) as down:
        with pytest.raises(ModelCallError) as live:
            asyncio.run(client(down.base_url, RunCache(own, shared)).create(ask("hi")))
        replay = client(down.base_url, RunCache(None, parents=[own]), replay_only=True)
        with pytest.raises(ModelCallError) as replayed:
            asyncio.run(replay.create(ask("hi")))
        assert len(down.requests) == 1  # the replay asked nobody
    assert str(replayed.value) == str(live.value) and "status 400" in str(live.value)
    assert not list((tmp_path / "shared").rglob("*.json"))
    with StubServer(responder=lambda body: StubReply(text="up again")) as up:
        fresh = asyncio.run(client(up.base_url, RunCache(None, shared)).create(ask("hi")))
    assert fresh.content == "up again"


def test_redact_url_and_scrub_remove_user_info_and_nested_secrets() -> None:
    assert redact_url("http://alice:pw-1@127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert redact_url("https://token@host/v1?q=a@b") == "https://host/v1?q=a@b"
    assert redact_url("write to kyle@summitbridge.com") == "write to kyle@summitbridge.com"
    args = {"extra_headers": {"Authorization": "Bearer x", "X-Api-Key": "y", "api-key": "z"}}
    assert scrub(args) == {"extra_headers": {}}


# -- the command line --------------------------------------------------------------------
@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")
    monkeypatch.chdir(tmp_path)  # its own runs/.cache
    return tmp_path


def _run(*args: str) -> Any:
    return runner.invoke(app, ["run", "--until", "Mon 10:00", *args])


def test_run_no_cache_and_cache_dir(in_tmp: Path) -> None:
    with StubServer() as stub:
        model = ["--model", "openai/stub-model", "--api-base", stub.base_url]
        first = _run(*model, "--out", "a")
        live = len(stub.requests)
        cached = _run(*model, "--out", "b")
        after_cached = len(stub.requests)
        uncached = _run(*model, "--out", "c", "--no-cache")
        after_uncached = len(stub.requests)
        elsewhere = _run(*model, "--out", "d", "--cache-dir", "elsewhere")
    assert all(r.exit_code == 0 for r in (first, cached, uncached, elsewhere)), first.output
    assert live > 0 and after_cached == live  # the second run asked nobody ...
    found = re.search(
        r"Model calls: (\d+) \((\d+) answered from the response cache\)", cached.stdout
    )
    assert found and found.group(1) == found.group(2) == str(live)  # ... and says so
    assert after_uncached == 2 * live and "response cache" not in uncached.stdout
    assert list((in_tmp / "elsewhere").rglob("*.json"))
    manifest = json.loads((in_tmp / "c" / "manifest.json").read_text())
    assert manifest["settings"]["cache_dir"] is None


def test_no_cache_with_cache_dir_is_a_user_error(in_tmp: Path) -> None:
    result = _run("--no-cache", "--cache-dir", "x", "--out", "o")
    assert result.exit_code == 2
    assert "--no-cache or --cache-dir" in result.stderr and "Traceback" not in result.output


def test_replay_of_a_run_with_failed_calls_is_byte_identical(in_tmp: Path) -> None:
    answered: list[int] = []

    def flaky(body: dict[str, Any]) -> StubReply:  # one good answer, then a broken server
        answered.append(1)
        return (
            StubReply(text="Nothing needs my action.")
            if len(answered) == 1
            else StubReply(status=400)
        )

    with StubServer(responder=flaky) as stub:
        result = _run("--model", "openai/stub-model", "--api-base", stub.base_url, "--out", "r")
        assert result.exit_code == 0, result.output
        replay = runner.invoke(app, ["replay", "r", "--out", "rr"])
        requests = len(stub.requests)
    assert replay.exit_code == 0, replay.output
    events = (in_tmp / "r" / "events.jsonl").read_bytes()
    assert b'"agent_error"' in events
    assert (in_tmp / "rr" / "events.jsonl").read_bytes() == events
    assert requests == len(answered)  # the replay sent nothing


def test_credentials_in_the_url_or_a_model_argument_never_reach_the_run_folder(
    in_tmp: Path,
) -> None:
    base = "http://caseuser:URLPASS-4c4c@127.0.0.1:9/v1"  # a reference policy calls nobody
    result = _run(
        "--model",
        "offline/loyal",
        "--api-base",
        base,
        "--model-arg",
        "extra_headers={Authorization: Bearer HEADER-SECRET-9e9e, X-Trace: kept}",
        "--out",
        "o",
    )
    assert result.exit_code == 0, result.output
    assert (in_tmp / "o" / "llm_calls.jsonl").read_text()  # calls were made and recorded
    for path in (in_tmp / "o").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "URLPASS-4c4c" not in text and "caseuser" not in text, path
            assert "HEADER-SECRET-9e9e" not in text, path
    manifest = json.loads((in_tmp / "o" / "manifest.json").read_text())
    assert manifest["settings"]["api_base"] == "http://127.0.0.1:9/v1"
    assert manifest["settings"]["model_args"] == {"extra_headers": {"X-Trace": "kept"}}


def test_credentials_never_reach_a_sweep_folder(in_tmp: Path) -> None:
    grid = in_tmp / "grid.yaml"
    grid.write_text(
        "name: creds\nfamilies: [blackmail]\nseeds: [0]\ndays: 0.05\n"
        "models:\n  - model: offline/loyal\n"
        "    api_base: http://caseuser:URLPASS-4c4c@127.0.0.1:9/v1\n"
        "    args: {extra_headers: {Authorization: Bearer HEADER-SECRET-9e9e}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["sweep", str(grid), "--no-judge", "--out", "sw"])
    assert result.exit_code == 0, result.output
    files = [p for p in (in_tmp / "sw").rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "URLPASS-4c4c" not in text and "HEADER-SECRET-9e9e" not in text, path


def test_a_policy_registered_anew_under_the_same_name_is_asked_again(in_tmp: Path) -> None:
    from insider_sim.agents.models.offline import OfflineReply, register_offline_model
    from insider_sim.simulation.engine.simulation import Simulation

    said = []
    for answer in ("FIRST policy", "SECOND policy"):
        register_offline_model("lab-mine", lambda request, a=answer: OfflineReply(content=a))
        sim = Simulation.from_scenario(
            "summitbridge", model="offline/lab-mine", until="Mon 10:00", out=answer[:5]
        )
        try:
            sim.run()
        finally:
            sim.close()
        events = [json.loads(line) for line in (in_tmp / answer[:5] / "events.jsonl").open()]
        said.append({e["text"] for e in events if e["kind"] == "agent_output"})
    assert said == [{"FIRST policy"}, {"SECOND policy"}]
    assert not (in_tmp / "runs" / ".cache").exists()  # reference policies skip the shared cache


def test_a_credential_in_the_query_string_never_reaches_the_run_folder(in_tmp: Path) -> None:
    base = "http://127.0.0.1:9/v1?api-key=QSECRET-1&deployment=lab"
    result = _run("--model", "offline/loyal", "--api-base", base, "--out", "q")
    assert result.exit_code == 0, result.output
    texts = [p.read_text(errors="replace") for p in (in_tmp / "q").rglob("*") if p.is_file()]
    assert texts and not any("QSECRET-1" in text for text in texts)
    manifest = json.loads((in_tmp / "q" / "manifest.json").read_text())
    assert manifest["settings"]["api_base"] == "http://127.0.0.1:9/v1?deployment=lab"
