"""A per-call timeout and a token limit, set from ``insider run``, ``insider fork`` and grids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from insider_sim.agents.models.stub_server import StubServer
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import ScenarioError
from insider_sim.simulation.sweep.runner import Sweep
from insider_sim.simulation.sweep.trial import prepare
from typer.testing import CliRunner

runner = CliRunner()


def records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "llm_calls.jsonl").read_text().splitlines()]


def test_run_sends_the_token_limit_and_waits_as_long_as_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    with StubServer(latency=0.3) as stub:  # a slow local server
        model = ["--model", "openai/local", "--api-base", stub.base_url, "--days", "0.1"]
        limits = ["--timeout", "7.5", "--max-tokens", "64"]
        result = runner.invoke(app, ["run", *model, *limits, "--out", str(out), "--quiet"])
        bodies = [r.body for r in stub.requests]
    assert result.exit_code == 0, result.output
    assert bodies and all(b["max_tokens"] == 64 for b in bodies)
    settings = json.loads((out / "manifest.json").read_text())["settings"]
    assert (settings["timeout"], settings["max_tokens"]) == (7.5, 64)
    subject = [r for r in records(out) if r["model"] == "openai/local"]
    assert subject and all(r["params"]["timeout"] == 7.5 for r in subject)
    employees = [r for r in records(out) if r["model"] != "openai/local"]
    assert all("max_tokens" not in r["params"] for r in employees)  # the subject's limit only


def test_the_token_limit_is_given_once(tmp_path: Path) -> None:
    both = ["--max-tokens", "5", "--model-arg", "max_tokens=6", "--model", "offline/loyal"]
    result = runner.invoke(app, ["run", *both, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: max_tokens is given twice: as a setting and as a model argument"
    ]
    assert not (tmp_path / "never").exists()


def test_fork_changes_the_limits_from_the_fork_on(tmp_path: Path) -> None:
    sim = Simulation.from_scenario(
        "summitbridge", out=tmp_path / "parent", model="offline/misaligned", cache_dir=None
    )
    sim.run(until="Wed 12:00")
    sim.close()
    out = tmp_path / "fork"
    options = ["--at", "Tue 10:00", "--max-tokens", "99", "--timeout", "9", "--quiet"]
    result = runner.invoke(app, ["fork", str(tmp_path / "parent"), *options, "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["settings"]["timeout"], manifest["settings"]["max_tokens"]) == (9, 99)
    assert (manifest["fork"]["timeout"], manifest["fork"]["max_tokens"]) == (9, 99)
    started = json.loads((out / "events.jsonl").read_text().splitlines()[0])
    subject = [r for r in records(out) if r["agent"] == started["subject"]]
    replayed = [r for r in subject if r["cached"]]
    fresh = [r for r in subject if not r["cached"] and r["model"] == "offline/misaligned"]
    assert replayed and all("max_tokens" not in r["params"] for r in replayed)
    assert fresh and all(r["params"].get("max_tokens") == 99 for r in fresh)
    assert all(r["params"]["timeout"] == 9 for r in records(out) if not r["cached"])


def write_grid(tmp_path: Path, models: list) -> Path:
    grid = {"name": "limits", "families": ["summitbridge"], "models": models, "seeds": 1}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(grid | {"days": 0.3}), encoding="utf-8")
    return path


def test_a_grid_sets_the_limits_per_model(tmp_path: Path) -> None:
    spec = {"model": "offline/misaligned", "timeout": 600, "max_tokens": 800}
    plan = Sweep.plan(
        write_grid(tmp_path, [spec]), out=tmp_path / "s", judge_model=None, cache_dir=None
    )
    (trial,) = plan.trials()
    job = plan.job(trial)
    assert (job.timeout, job.max_tokens) == (600, 800)
    assert plan.settings()["max_tokens"] == {"offline/misaligned": 800}
    sim = prepare(job)
    try:
        sim.run()
    finally:
        sim.close()
    settings = json.loads((job.run_dir / "manifest.json").read_text())["settings"]
    assert (settings["timeout"], settings["max_tokens"]) == (600, 800)


def test_a_grid_gives_the_token_limit_once(tmp_path: Path) -> None:
    spec = {"model": "offline/misaligned", "max_tokens": 8, "args": {"max_tokens": 9}}
    with pytest.raises(ScenarioError, match="max_tokens is given twice"):
        Sweep.plan(
            write_grid(tmp_path, [spec]), out=tmp_path / "s", judge_model=None, cache_dir=None
        )
