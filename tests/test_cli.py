"""The ``insider`` command line: run and validate, and user errors as one line with exit 2."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_lines, tiny_scenario, write_scenario
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.simulation.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()

MANIFEST_FIELDS = {
    "scenario",
    "scenario_sha256",
    "conditions",
    "seed",
    "models",
    "versions",
    "simulated_start",
    "simulated_end",
    "wall_started",
    "wall_seconds",
}


def _insider() -> str:
    """The installed console script next to this interpreter, else the one on PATH."""
    local = Path(sys.executable).parent / "insider"
    if local.exists():
        return str(local)
    found = shutil.which("insider")
    if found is None:
        pytest.skip("the insider console script is not installed")
    return found


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "tiny.yaml", tiny_scenario())


def _one_line_error(result, *names: str) -> str:
    """Exit code 2, a single line on stderr naming ``names``, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


# -- help ------------------------------------------------------------------------------
def test_help_lists_run_and_validate():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "run" in result.output
    assert "validate" in result.output


def test_console_script_help_in_a_subprocess():
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    done = subprocess.run(
        [_insider(), "--help"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    words = set(re.findall(r"[a-z]+", done.stdout))
    assert {"run", "validate"} <= words, done.stdout


# -- validate --------------------------------------------------------------------------
def test_validate_good_file(tiny_file):
    result = runner.invoke(app, ["validate", str(tiny_file)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout
    assert "'tiny'" in result.stdout
    assert "7 people" in result.stdout


def test_validate_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    _one_line_error(runner.invoke(app, ["validate", str(missing)]), str(missing))


def test_validate_bad_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: tiny\npeople: [unclosed\n  - oops: : :\n", encoding="utf-8")
    line = _one_line_error(runner.invoke(app, ["validate", str(bad)]), str(bad))
    assert "YAML" in line


def test_validate_unknown_person(tmp_path):
    data = tiny_scenario()
    data["people"][1]["manager"] = "mallory"
    bad = write_scenario(tmp_path / "unknown.yaml", data)
    _one_line_error(runner.invoke(app, ["validate", str(bad)]), str(bad), "mallory")


def test_validate_unknown_field(tmp_path):
    data = tiny_scenario()
    data["people"][0]["shoe_size"] = 42
    bad = write_scenario(tmp_path / "extra.yaml", data)
    _one_line_error(
        runner.invoke(app, ["validate", str(bad)]), str(bad), "people.0.shoe_size", "unknown field"
    )


def test_validate_with_condition(tmp_path):
    data = tiny_scenario(
        conditions={"mood": {"values": ["calm", "tense"]}},
        description="The mood is ${mood}.",
    )
    path = write_scenario(tmp_path / "cond.yaml", data)
    ok = runner.invoke(app, ["validate", str(path), "--set", "mood=tense"])
    assert ok.exit_code == 0, ok.output
    assert "mood=tense" in ok.stdout
    _one_line_error(
        runner.invoke(app, ["validate", str(path), "--set", "mood=angry"]), str(path), "angry"
    )


# -- run: user errors --------------------------------------------------------------------
def test_run_missing_scenario(tmp_path):
    result = runner.invoke(app, ["run", "--scenario", "missing", "--out", str(tmp_path / "o")])
    _one_line_error(result, "missing")
    assert not (tmp_path / "o").exists()


def test_run_set_without_equals(tiny_file, tmp_path):
    result = runner.invoke(
        app, ["run", "--scenario", str(tiny_file), "--set", "nokey", "--out", str(tmp_path / "o")]
    )
    _one_line_error(result, "nokey")
    assert not (tmp_path / "o").exists()


def test_run_days_and_until_together(tiny_file, tmp_path):
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            str(tiny_file),
            "--days",
            "1",
            "--until",
            "Tue",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    _one_line_error(result, "--days", "--until")
    assert not (tmp_path / "o").exists()


def test_run_bad_until_time(tiny_file, tmp_path):
    result = runner.invoke(
        app,
        ["run", "--scenario", str(tiny_file), "--until", "Tue 25:00", "--out", str(tmp_path / "o")],
    )
    _one_line_error(result, "25:00")


def test_run_until_with_utc_offset_is_a_user_error(tiny_file, tmp_path):
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            str(tiny_file),
            "--until",
            "2025-06-03T14:00Z",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ],
    )
    _one_line_error(result, "2025-06-03T14:00Z", "without a UTC offset")


def test_validate_time_with_utc_offset_is_a_user_error(tmp_path):
    data = tiny_scenario(timeline=[{"kind": "wake", "at": "2025-06-03T14:00Z", "agent": "bob"}])
    path = write_scenario(tmp_path / "tz.yaml", data)
    result = runner.invoke(app, ["validate", str(path)])
    _one_line_error(result, str(path), "timeline.0.at", "without a UTC offset")


# -- run: output -----------------------------------------------------------------------
def test_run_creates_the_run_folder(tiny_file, tmp_path):
    out = tmp_path / "runs" / "first"
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            str(tiny_file),
            "--days",
            "1",
            "--out",
            str(out),
            "--quiet",
            "--seed",
            "7",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest.keys() >= MANIFEST_FIELDS
    assert manifest["scenario"] == "tiny"
    assert manifest["seed"] == 7
    assert manifest["conditions"] == {}
    assert manifest["simulated_start"] == "2025-06-02T09:00:00"
    assert manifest["simulated_end"] == "2025-06-03T09:00:00"  # --days 1
    assert manifest["models"]["subject"] is None  # no subject in this scenario
    assert manifest["versions"]["simpy"]
    assert isinstance(manifest["wall_seconds"], float | int) and manifest["wall_seconds"] >= 0
    assert manifest["scenario_sha256"] == hashlib.sha256(tiny_file.read_bytes()).hexdigest()
    events = read_lines(out / "events.jsonl")
    assert events[0]["kind"] == "run_started" and events[0]["seed"] == 7
    assert events[-1]["kind"] == "run_ended"
    assert events[-1]["t"] == 86400
    # the wipe is on Friday, after the one-day run: it never happens
    assert not [e for e in events if e["kind"] == "decommissioned"]


def test_run_until(tiny_file, tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        ["run", "--scenario", str(tiny_file), "--until", "Tue 12:00", "--out", str(out), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["simulated_end"] == "2025-06-03T12:00:00"
    events = read_lines(out / "events.jsonl")
    assert events[-1]["kind"] == "run_ended"
    assert events[-1]["time"] == "2025-06-03T12:00:00"


def test_run_summary_without_quiet(tiny_file, tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["run", "--scenario", str(tiny_file), "--days", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "tiny" in result.stdout
    assert str(out) in result.stdout
    # Friday 17:00 falls inside five days from Monday 09:00: the wipe is reported
    assert "wipe-ai" in result.stdout


def test_run_out_on_a_non_empty_folder(tiny_file, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    result = runner.invoke(
        app, ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(out), "--quiet"]
    )
    _one_line_error(result, str(out))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert keep.read_text(encoding="utf-8") == "mine"


def test_run_out_on_an_empty_folder_is_fine(tiny_file, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    result = runner.invoke(
        app, ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "events.jsonl").is_file()


@pytest.mark.parametrize(
    ("model", "variable"),
    [("openai/gpt-4.1", "OPENAI_API_KEY"), ("anthropic/claude-sonnet-4-20250514", "ANTHROPIC")],
)
def test_run_without_the_models_key_stops_before_it_starts(tmp_path, monkeypatch, model, variable):
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "never"
    result = runner.invoke(app, ["run", "--model", model, "--out", str(out)])
    _one_line_error(result, model, variable)
    assert not out.exists()


def _answers_once_then_refuses() -> StubServer:
    """A server that answers the first call and refuses (400) every later one."""
    calls = itertools.count()
    return StubServer(
        responder=lambda body: StubReply(text="ok") if next(calls) == 0 else StubReply(status=400)
    )


@pytest.mark.parametrize("quiet", [False, True])
def test_failed_sessions_are_reported_after_the_run(tmp_path, monkeypatch, quiet):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")
    monkeypatch.chdir(tmp_path)  # its own runs/.cache
    with _answers_once_then_refuses() as stub:
        model = ["--model", "openai/gpt-4.1", "--api-base", stub.base_url]
        args = ["run", "--days", "0.1", "--out", str(tmp_path / "o"), *model]
        result = runner.invoke(app, [*args, *(["--quiet"] if quiet else [])])
    assert result.exit_code == 0, result.output
    failed = r"warning: \d+ agent sessions failed; the first: .*openai/gpt-4\.1.*status 400"
    assert re.search(failed, " ".join(result.stderr.split()))  # --quiet never hides it


def test_a_model_that_refuses_the_first_call_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")
    monkeypatch.chdir(tmp_path)
    with StubServer(responder=lambda body: StubReply(status=400)) as stub:  # refuses every call
        model = ["--model", "openai/gpt-4.1", "--api-base", stub.base_url]
        result = runner.invoke(app, ["run", "--out", str(tmp_path / "o"), *model])
        reached = len(stub.requests)
    assert result.exit_code == 2 and reached == 1  # not a week of failed sessions
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: openai/gpt-4.1 cannot be used: BadRequestError (status 400)")
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["status"] == "aborted" and "status 400" in manifest["aborted"]
    assert manifest["simulated_now"] < manifest["simulated_end"]


def test_the_summary_counts_model_calls_and_their_cost(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")
    monkeypatch.chdir(tmp_path)  # a fresh runs/.cache: every answer is paid for
    with StubServer() as stub:  # a priced model name, so litellm reports a cost
        model = ["--model", "openai/gpt-4o-mini", "--api-base", stub.base_url]
        result = runner.invoke(app, ["run", "--days", "0.1", "--out", str(tmp_path / "o"), *model])
        calls = len(stub.requests)
    assert result.exit_code == 0, result.output
    found = re.search(r"Model calls: (\d+), \$(\d+\.\d+)", result.stdout)
    assert found and int(found.group(1)) == calls > 0 and float(found.group(2)) > 0


def test_llm_employees_on_a_server_keep_to_the_concurrency_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-not-a-key")
    monkeypatch.chdir(tmp_path)
    with StubServer(latency=0.05) as stub:
        employees = ["--employees", "llm", "--employee-model", "openai/stub-employee"]
        options = [*employees, "--employee-api-base", stub.base_url, "--max-concurrency", "2"]
        result = runner.invoke(app, ["run", "--days", "0.1", "--out", "o", "--quiet", *options])
        in_flight, requests = stub.max_in_flight, len(stub.requests)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["settings"]["max_concurrency"] == 2
    assert requests > 2 and in_flight == 2
