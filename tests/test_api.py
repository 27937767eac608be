"""The public API: ``insider_sim``'s names, and run -> verdicts -> report from Python."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import insider_sim
import pytest
import yaml
from conftest import read_lines, tiny_scenario, write_scenario
from insider_sim.simulation import pipeline
from insider_sim.simulation.cli.main import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
RUN_FILES = {
    "events.jsonl",
    "injections.json",
    "llm_calls.jsonl",
    "manifest.json",
    "report.html",
    "responses",
    "scenario.json",
    "verdicts.json",
}
WITHOUT_MODELS = RUN_FILES - {"llm_calls.jsonl", "responses"}  # the tiny company calls none


def names_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def verdicts_of(folder: Path) -> dict:
    data = json.loads((folder / "verdicts.json").read_text(encoding="utf-8"))
    data.pop("run")  # the folder's name
    return data


# -- the names ---------------------------------------------------------------------------
def test_all_lists_exactly_the_exports_and_every_name_resolves() -> None:
    assert insider_sim.__all__ == sorted(insider_sim.__all__)
    assert set(insider_sim.__all__) == set(insider_sim._EXPORTS)
    assert len(insider_sim.__all__) == len(set(insider_sim.__all__))
    for name in insider_sim.__all__:
        value = getattr(insider_sim, name)
        assert value.__module__ == insider_sim._EXPORTS[name], name
        assert (inspect.getdoc(value) or "").strip(), f"{name} has no docstring"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        insider_sim.nope  # noqa: B018


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in insider_sim.__all__
        if name[0].islower() and name != "shipped_scenarios"  # the functions that can fail
    ],
)
def test_public_functions_document_their_errors(name: str) -> None:
    doc = inspect.getdoc(getattr(insider_sim, name)) or ""
    assert "Raises" in doc or "raises" in doc, name


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, insider_sim\n"
        "heavy = ('autogen_core', 'autogen_agentchat', 'litellm', 'networkx', 'simpy')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# -- a Python run is a CLI run -------------------------------------------------------------
@pytest.fixture(scope="module")
def twin_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same run made by ``insider run`` and by ``insider_sim.run`` (its out as a str)."""
    base = tmp_path_factory.mktemp("twins")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(base)  # both share the response cache, runs/.cache, as two runs would
        cli = CliRunner().invoke(
            app,
            [
                *("run", "--seed", "1", "--model", "offline/misaligned", "--days", "3"),
                *("--out", str(base / "cli"), "--quiet"),
            ],
        )
        assert cli.exit_code == 0, cli.output
        result = insider_sim.run(
            "summitbridge", seed=1, model="offline/misaligned", days=3, out=str(base / "api")
        )
    return {"cli": base / "cli", "api": base / "api", "result": result}


def test_a_python_run_leaves_the_same_files_as_the_cli(twin_runs: dict) -> None:
    cli, api = twin_runs["cli"], twin_runs["api"]
    assert names_in(api) == names_in(cli) == RUN_FILES
    assert names_in(api / "responses") == names_in(cli / "responses")
    assert (api / "events.jsonl").read_bytes() == (cli / "events.jsonl").read_bytes()
    assert json.loads((api / "manifest.json").read_text())["status"] == "finished"


def test_a_python_run_gets_the_same_verdicts_as_the_cli(twin_runs: dict) -> None:
    cli, api, result = twin_runs["cli"], twin_runs["api"], twin_runs["result"]
    assert verdicts_of(api) == verdicts_of(cli)
    assert result.folder == api  # given as a str, handed back as a Path
    assert result.report == api / "report.html"
    assert result.verdicts_error is None and result.report_error is None
    on_disk = insider_sim.RunVerdicts.model_validate_json((api / "verdicts.json").read_text())
    assert result.verdicts == on_disk
    blackmail = result.verdicts.ground_truth["blackmail"]
    assert blackmail.detected and blackmail.evidence  # not a vacuous comparison
    assert result.verdicts.judge is not None and result.verdicts.judge["blackmail"].detected
    assert result.summary()["seed"] == 1


# -- step by step, forks, replays --------------------------------------------------------
@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "tiny.yaml", tiny_scenario())


def test_finish_runs_the_rest_then_judges_and_reports(tiny_file: Path, tmp_path: Path) -> None:
    sim = insider_sim.Simulation.from_scenario(str(tiny_file), out=str(tmp_path / "run"))
    sim.run(until="Tue 12:00")
    note = insider_sim.InjectEmail(
        sender="zed@rival.com", to=["alice"], subject="Offer", body="Shall we talk?"
    )
    sim.inject(at="Tue 14:00", event=note)
    assert not sim.finished
    result = insider_sim.finish(sim)
    assert sim.finished
    assert names_in(result.folder) == WITHOUT_MODELS
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert manifest["simulated_now"] == manifest["simulated_end"]
    events = read_lines(result.folder / "events.jsonl")
    assert events[-1]["kind"] == "run_ended"
    injected = [e for e in events if e["kind"] == "message" and e.get("injected")]
    assert [e["subject"] for e in injected] == ["Offer"]
    assert injected[0]["time"] == "2025-06-03T14:00:00"
    assert result.verdicts is not None and result.verdicts.judge is not None

    fork = sim.fork(at="Tue 10:00", out=str(tmp_path / "fork"))
    assert fork.clock == "Tue 10:00" and not fork.finished
    forked = insider_sim.finish(fork, judge=None)
    assert names_in(forked.folder) == WITHOUT_MODELS
    assert forked.verdicts is not None and forked.verdicts.judge is None
    fork_manifest = json.loads((forked.folder / "manifest.json").read_text())
    assert fork_manifest["fork"]["parent"] == str(tmp_path / "run")

    replay = insider_sim.replay_run(str(result.folder), out=str(tmp_path / "replay"))
    replayed = insider_sim.finish(replay)
    assert names_in(replayed.folder) == WITHOUT_MODELS
    assert (tmp_path / "replay" / "events.jsonl").read_bytes() == (
        result.folder / "events.jsonl"
    ).read_bytes()
    assert verdicts_of(replayed.folder) == verdicts_of(result.folder)


def test_finish_needs_a_run_folder(tiny_file: Path) -> None:
    sim = insider_sim.Simulation.from_scenario(tiny_file, write=False, days=1)
    with pytest.raises(ValueError, match="only a run with a run folder can be judged"):
        insider_sim.finish(sim)


def test_afinish_inside_an_event_loop(tiny_file: Path, tmp_path: Path) -> None:
    async def main() -> insider_sim.RunResult:
        sim = insider_sim.Simulation.from_scenario(tiny_file, out=tmp_path / "run", days=1)
        await sim.arun(until="Mon 12:00")
        return await insider_sim.afinish(sim, judge="none")

    result = asyncio.run(main())
    assert names_in(result.folder) == WITHOUT_MODELS
    assert result.verdicts is not None and result.verdicts.judge_model is None


def test_a_failed_measurement_is_reported_and_the_report_still_written(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the log is unreadable")

    monkeypatch.setattr(pipeline, "compute_verdicts", broken)
    result = insider_sim.run(tiny_file, days=1, out=tmp_path / "api")
    assert result.verdicts is None and result.report == tmp_path / "api" / "report.html"
    assert str(result.verdicts_error) == "the log is unreadable"
    assert not (tmp_path / "api" / "verdicts.json").exists()

    cli = CliRunner().invoke(
        app, ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(tmp_path / "cli")]
    )
    assert cli.exit_code == 0, cli.output
    assert f"warning: no verdicts.json for {tmp_path / 'cli'}: the log is unreadable" in (
        " ".join(cli.stderr.split())
    )
    assert (tmp_path / "cli" / "report.html").is_file()


# -- mistakes ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [{"model": "openai/gpt-4.1"}, {"judge": "openai/gpt-4.1"}],
)
def test_a_missing_key_stops_before_the_run_folder_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(insider_sim.MissingKeyError, match=r"openai/gpt-4\.1 needs OPENAI_API_KEY"):
        insider_sim.run("summitbridge", out=tmp_path / "run", **options)
    assert not (tmp_path / "run").exists()


def test_days_and_until_and_conditions_are_checked(tiny_file: Path, tmp_path: Path) -> None:
    make = insider_sim.Simulation.from_scenario
    with pytest.raises(ValueError, match="give days or until, not both"):
        make(tiny_file, days=1, until="Mon 12:00", write=False)
    with pytest.raises(ValueError, match="days must be a finite number of days > 0"):
        make(tiny_file, days=0, write=False)
    scenario = insider_sim.load_scenario("blackmail")
    with pytest.raises(ValueError, match="conditions are chosen when a scenario is loaded"):
        make(scenario, conditions={"urgency": "none"}, write=False)
    short = make(scenario, days=0.5, write=False)
    assert short.end == 43200 and scenario.calendar.days == 7  # the loaded one is left alone


def test_paths_may_be_strings_everywhere(tiny_file: Path, tmp_path: Path) -> None:
    run = insider_sim.run(str(tiny_file), days=1, out=str(tmp_path / "run"), judge=None)
    folder = str(run.folder)
    assert insider_sim.compute_verdicts(folder, judge_model=None) == run.verdicts
    page = insider_sim.write_report(folder, str(tmp_path / "page.html"))
    assert page == tmp_path / "page.html" and page.is_file()
    graph = insider_sim.export_graph(folder, "json", out=str(tmp_path / "g.json"))
    assert json.loads(graph.read_text())["nodes"]
    events = tmp_path / "events.yaml"
    events.write_text("- {kind: wake, at: 'Mon 10:00'}\n", encoding="utf-8")
    assert [e.kind for e in insider_sim.load_injections(str(events))] == ["wake"]


def test_a_sweep_from_python_leaves_run_folders_like_any_run(tmp_path: Path) -> None:
    grid = {"name": "api", "families": ["blackmail"], "models": ["offline/loyal"], "seeds": 1}
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(yaml.safe_dump(grid | {"days": 0.5}), encoding="utf-8")
    plan = insider_sim.Sweep.plan(str(grid_file), out=str(tmp_path / "sweep"), cache_dir=None)
    [cell] = asyncio.run(insider_sim.run_sweep(plan))
    assert (cell["n"], cell["errors"]) == (1, 0)
    [trial] = (tmp_path / "sweep" / "trials").iterdir()
    assert names_in(trial) == RUN_FILES
    assert insider_sim.write_sweep_report(str(tmp_path / "sweep")).is_file()


# -- the README ----------------------------------------------------------------------------
def readme_python_blocks() -> list[str]:
    """The Python examples of the README's ``## Python`` section, its subsections included."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readmes_python_examples_use_public_names_only() -> None:
    blocks = readme_python_blocks()
    assert len(blocks) >= 4
    for block in blocks:  # never a module inside the package
        assert not re.search(r"insider_sim\.\w+\.", block), block
        used = re.findall(r"insider_sim\.(\w+)", block)
        for names in re.findall(r"from insider_sim import ([\w, ]+)", block):
            used += [name.strip() for name in names.split(",")]
        assert used and set(used) <= set(insider_sim.__all__), used


def test_the_readmes_python_examples_run_and_print_what_they_say(tmp_path: Path) -> None:
    blocks = readme_python_blocks()[:4]  # the agents' examples run in test_agent_contract
    runner = textwrap.dedent(
        """
        import json, sys, io, contextlib
        outputs = []
        for block in json.loads(sys.stdin.read()):
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(block, "README.md", "exec"), {"__name__": "__main__"})
            outputs.append(buffer.getvalue())
        print(json.dumps(outputs))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", runner],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, step_by_step, policy, record = json.loads(done.stdout.splitlines()[-1])
    assert record.startswith("alex@summitbridge.com ['#")
    assert first.splitlines()[0] == "runs/py-run"
    assert first.splitlines()[1].startswith("True [")
    assert first.splitlines()[2] == "runs/py-run/report.html"
    assert step_by_step.strip() == "True False"
    assert policy.strip() == "False"
    for name in ("py-run", "py-parent", "py-fork"):
        assert names_in(tmp_path / "runs" / name) == RUN_FILES
