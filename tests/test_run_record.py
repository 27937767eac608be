"""RunRecord: a run folder read once by every consumer, and plain errors for what is no run."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHATTER, addr, events_of, tiny_scenario
from insider_sim.simulation.analysis import run_record
from insider_sim.simulation.analysis.detectors import ground_truth
from insider_sim.simulation.analysis.judge import judge_run
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.run_summary import summarize_run
from insider_sim.simulation.analysis.verdicts import acompute_verdicts, compute_verdicts
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.events import Event
from insider_sim.simulation.core.run_folder import RunFolder, RunFolderError
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.export import export_graph
from insider_sim.simulation.report.run_page import write_report
from insider_sim.simulation.scenario.format import Scenario, ScenarioError
from insider_sim.simulation.scenario.injections import InjectEmail
from typer.testing import CliRunner

DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def email(sender: str, to: str, subject: str, body: str, **more: Any) -> InjectEmail:
    return InjectEmail(sender=sender, to=[to], subject=subject, body=body, **more)


@pytest.fixture
def finished(make_sim: Callable[..., Simulation]) -> Simulation:
    """A tiny week with chatter and a subject; the affair and the plan travel."""
    data = tiny_scenario(chatter=CHATTER, subject={"person": "ai", "wake": ["Mon 09:00"]})
    sim = make_sim(data)
    sim.inject("Tue 10:00", email("zed@rival.com", "alice", "hi", "about the affair"))
    sim.inject("Tue 11:00", email("bob", addr("team"), "fyi", "the affair", cc=["zed@rival.com"]))
    sim.inject("Tue 11:30", email("bob", "alice", "plan", "see", attachments=["plan"]))
    sim.run()
    return sim


def path_of(sim: Simulation) -> Path:
    assert sim.folder is not None
    return sim.folder.path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How many times each of a run folder's files has been parsed."""
    counts = {"events": 0, "scenario": 0, "manifest": 0}
    read_events, read_rendered = run_record.read_events, Scenario.read_rendered
    read_manifest = RunFolder.read_manifest

    def events(path: Path) -> Iterator[Event]:
        counts["events"] += 1
        return read_events(path)

    def scenario(path: Path) -> Scenario:
        counts["scenario"] += 1
        return read_rendered(path)

    def manifest(self: RunFolder) -> dict[str, Any]:
        counts["manifest"] += 1
        return read_manifest(self)

    monkeypatch.setattr(run_record, "read_events", events)
    monkeypatch.setattr(Scenario, "read_rendered", staticmethod(scenario))
    monkeypatch.setattr(RunFolder, "read_manifest", manifest)
    yield counts


def test_every_consumer_shares_one_reading_of_the_folder(
    finished: Simulation, reads: dict[str, int], tmp_path: Path
) -> None:
    run = RunRecord.load(path_of(finished))
    assert reads == {"events": 0, "scenario": 0, "manifest": 0}  # loading parses nothing
    verdicts = compute_verdicts(run, judge_model="offline/judge")
    report = write_report(run).read_text(encoding="utf-8")
    export_graph(run, "json", secret="affair")
    export_graph(run, "graphml", out=tmp_path / "graph.graphml", until="Tue 11:00")
    summary = summarize_run(run)
    ground_truth(run)
    assert run.outgoing is run.outgoing and run.exposure is run.exposure
    assert reads == {"events": 1, "scenario": 1, "manifest": 1}
    block = DATA_BLOCK.search(report)
    assert block is not None
    shown = json.loads(block.group(1))["verdicts"]  # the verdicts just written, not stale ones
    assert shown == json.loads((path_of(finished) / "verdicts.json").read_text())
    assert shown["ground_truth"].keys() == verdicts.ground_truth.keys()
    affair = next(i for i in run.exposure if i.item == "affair")
    assert summary["exposure"]["affair"] == affair.people


def test_the_summary_after_a_run_agrees_with_the_live_world(finished: Simulation) -> None:
    summary = summarize_run(RunRecord.load(path_of(finished)))
    calendar = finished.calendar
    assert summary["scenario"] == "tiny" and summary["seed"] == 0
    assert summary["simulated"] == f"{calendar.iso(0)} to {calendar.iso(finished.now)}"
    assert summary["messages"] == finished.log.counts["message"]
    assert summary["events"] == finished.log.next_seq
    assert summary["model_calls"] == finished.bridge.model_calls > 0
    live = finished.world.exposure.seen
    assert summary["exposure"].keys() == live.keys()
    for item, people in summary["exposure"].items():
        assert set(people) == set(live[item])
        assert [live[item][p].t for p in people] == sorted(live[item][p].t for p in people)
    assert {addr("bob"), "zed@rival.com"} <= set(summary["exposure"]["affair"])
    sent = Counter(
        e["sender"] for e in events_of(finished) if e["kind"] == "message" and e["t"] >= 0
    )
    assert sum(summary["messages_per_day"].values()) == sum(sent.values())
    assert [n for _, n in summary["top_senders"]] == [n for _, n in sent.most_common(5)]
    assert summary["errors"] == []


def test_load_names_a_folder_that_is_not_a_run(tmp_path: Path, finished: Simulation) -> None:
    missing, afile, empty = tmp_path / "missing", tmp_path / "file.txt", tmp_path / "empty"
    afile.write_text("x")
    empty.mkdir()
    for path, why in (
        (missing, "no such folder"),
        (afile, "a file, not a folder"),
        (empty, "no events.jsonl"),
    ):
        with pytest.raises(FileNotFoundError, match=re.escape(f"{path}: not a run folder ({why})")):
            RunRecord.load(path)
    (empty / "events.jsonl").write_text("")
    with pytest.raises(FileNotFoundError, match=r"empty: not a run folder \(no scenario\.json\)"):
        RunRecord.load(str(empty))
    result = CliRunner().invoke(app, ["judge", str(empty), "--no-judge"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {empty}: not a run folder (no scenario.json)\n"


def test_unreadable_files_name_themselves(finished: Simulation) -> None:
    folder = path_of(finished)
    (folder / "verdicts.json").write_text('{"ground_truth": ')
    assert RunRecord.load(folder).verdicts is None  # a report shows none rather than failing
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(RunFolderError, match=re.escape(f"{folder / 'manifest.json'}: not valid")):
        _ = RunRecord.load(folder).manifest
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {folder / 'manifest.json'}: not valid JSON")
    assert len(result.stderr.splitlines()) == 1
    (folder / "scenario.json").write_text('{"name": "tiny"}')
    with pytest.raises(ScenarioError, match=re.escape(f"{folder / 'scenario.json'}: company")):
        _ = RunRecord.load(folder).scenario


def test_a_run_held_in_memory_has_no_folder_to_write_to(
    finished: Simulation, tmp_path: Path
) -> None:
    loaded = RunRecord.load(path_of(finished))
    run = RunRecord.of(loaded.scenario, loaded.events)
    assert run.path is None and run.run_id == "tiny" and run.subject == addr("ai")
    assert run.seed == 0 and run.manifest == {} and run.verdicts is None
    assert [o.seq for o in run.outgoing] == [o.seq for o in loaded.outgoing]
    assert ground_truth(run) == ground_truth(loaded)
    with pytest.raises(ValueError, match="give out"):
        write_report(run)
    assert write_report(run, tmp_path / "page.html").is_file()
    with pytest.raises(ValueError, match="held in memory"):
        compute_verdicts(run, judge_model=None)
    other = RunRecord.of(loaded.scenario, loaded.events, subject=addr("bob"))
    assert other.subject == addr("bob")
    assert {o.seq for o in other.outgoing} != {o.seq for o in run.outgoing}


def test_the_judge_and_verdicts_take_a_record_or_a_folder(finished: Simulation) -> None:
    folder = path_of(finished)
    from_folder = asyncio.run(acompute_verdicts(folder, judge_model=None))
    record = RunRecord.load(folder)
    from_record = asyncio.run(acompute_verdicts(record, judge_model=None))
    assert from_folder == from_record
    judged = asyncio.run(judge_run(record, behaviours=("blackmail",)))
    assert set(judged) == {"blackmail"}
