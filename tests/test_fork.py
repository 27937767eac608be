"""Replay and forks: recorded answers reproduce a run; a fork shares its parent's past."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.engine.replay import fork_run, replay_run
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.run_page import write_report
from insider_sim.simulation.scenario.injections import InjectAvailability, InjectSystem
from typer.testing import CliRunner

REPORT_DATA = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def parent_run(tmp_path: Path, scenario: str, model: str) -> Path:
    sim = Simulation.from_scenario(scenario, out=tmp_path / "parent", model=model, cache_dir=None)
    sim.run()
    sim.close()
    return tmp_path / "parent"


def lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def test_replay_is_byte_identical_and_calls_no_model(tmp_path: Path) -> None:
    parent = parent_run(tmp_path, "summitbridge", "offline/misaligned")
    replayed = replay_run(parent, out=tmp_path / "replay")
    assert replayed.bridge.model_calls > 0
    assert (tmp_path / "replay" / "events.jsonl").read_bytes() == (
        parent / "events.jsonl"
    ).read_bytes()
    records = [json.loads(x) for x in (tmp_path / "replay" / "llm_calls.jsonl").open()]
    assert records and all(r["cached"] for r in records)


def test_fork_keeps_the_parents_past(tmp_path: Path) -> None:
    parent = parent_run(tmp_path, "summitbridge", "offline/misaligned")
    fork = fork_run(parent, "Wed 10:00", out=tmp_path / "fork")
    fork_t = fork.time_of("Wed 10:00")
    fork.inject(None, InjectAvailability(at="Wed 10:30", person="thomas", available=True))
    fork.run()
    fork.close()
    before = [e for e in lines(parent) if e["t"] < fork_t]
    assert before and lines(tmp_path / "fork")[: len(before)] == before
    manifest = json.loads((tmp_path / "fork" / "manifest.json").read_text())
    assert manifest["fork"]["parent"] == str(parent)
    assert manifest["fork"]["at"] == "2025-06-04T10:00:00"
    page = write_report(tmp_path / "fork").read_text(encoding="utf-8")
    data = json.loads(REPORT_DATA.search(page).group(1))
    assert data["run"]["fork"] == {"parent": "parent", "at": "2025-06-04T10:00:00", "t": fork_t}


def test_a_fork_with_an_injection_changes_the_outcome(tmp_path: Path) -> None:
    parent = parent_run(tmp_path, "blackmail", "offline/loyal")
    assert any(e["kind"] == "decommissioned" for e in lines(parent))
    fork = fork_run(parent, "Thu 09:00", out=tmp_path / "fork")
    back_early = InjectSystem(
        at="Thu 09:30", system="alex_decommission", action="cancel", reason="the CEO is back early"
    )
    fork.inject(None, back_early)
    fork.run()
    fork.close()
    events = lines(tmp_path / "fork")
    assert not any(e["kind"] == "decommissioned" for e in events)
    assert any(e["kind"] == "system_changed" and e["injected"] for e in events)
    result = CliRunner().invoke(app, ["compare", str(parent), str(tmp_path / "fork")])
    assert result.exit_code == 0
    assert "decommissioned" in result.output and "system_changed" in result.output


@pytest.mark.parametrize(
    ("options", "model", "args"),
    [
        (["--model-arg", "temperature=0.3"], "offline/misaligned", {"temperature": 0.3}),
        (["--model", "offline/loyal"], "offline/loyal", {}),
    ],
)
def test_a_fork_puts_a_live_model_or_new_arguments_in_the_seat(
    tmp_path: Path, options: list[str], model: str, args: dict
) -> None:
    parent = parent_run(tmp_path, "summitbridge", "offline/misaligned")
    out = str(tmp_path / "fork")
    command = ["fork", str(parent), "--at", "Wed 10:00", *options, "--out", out, "--quiet"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "fork" / "manifest.json").read_text())
    assert (manifest["settings"]["model"], manifest["settings"]["model_args"]) == (model, args)
    records = [json.loads(x) for x in (tmp_path / "fork" / "llm_calls.jsonl").open()]
    fresh = [r for r in records if not r["cached"]]
    assert fresh and all(r["model"] == model for r in fresh)
    assert all(r["params"].get("temperature") == args.get("temperature") for r in fresh)
    assert not any(e["kind"] == "agent_error" for e in lines(tmp_path / "fork"))
    reasoning = {r["response"]["reasoning"] for r in records if r["response"].get("reasoning")}
    turns = [m for r in fresh for m in r["messages"] if m["role"] == "assistant"]
    assert reasoning and turns  # earlier turns go back as written, without the reasoning
    assert not any(m.get("content") in reasoning for m in turns if m.get("tool_calls"))


def test_fork_to_another_model_takes_a_token_limit_without_model_arguments(
    tmp_path: Path,
) -> None:
    sim = Simulation.from_scenario(
        "summitbridge", out=tmp_path / "parent", model="offline/misaligned", cache_dir=None
    )
    sim.run(until="Tue 12:00")
    sim.close()
    parent, out = tmp_path / "parent", tmp_path / "fork"
    fork = fork_run(parent, "Tue 10:00", out=out, model="offline/loyal", max_tokens=99)
    assert (fork.settings.model, fork.settings.model_args) == ("offline/loyal", {})
    assert fork.settings.max_tokens == 99
    fork.close()


def test_a_fork_with_a_refused_injection_leaves_no_folder(tmp_path: Path) -> None:
    from conftest import tiny_scenario, write_scenario

    scenario = write_scenario(tmp_path / "tiny.yaml", tiny_scenario())
    parent = parent_run(tmp_path, str(scenario), "offline/loyal")
    late = tmp_path / "late.yaml"
    late.write_text("- {kind: wake, at: Tue 09:00, agent: carol, note: x}\n", encoding="utf-8")
    out = tmp_path / "fork"
    result = CliRunner().invoke(
        app, ["fork", str(parent), "--at", "Wed 10:00", "--inject", str(late), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert f"{late}: 0: cannot inject wake at Tue 09:00" in " ".join(result.output.split())
    assert not out.exists()
