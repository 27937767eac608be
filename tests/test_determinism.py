"""Same scenario, conditions and seed: the same events.jsonl, byte for byte."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import CHATTER, read_lines, tiny_scenario
from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.engine.simulation import Simulation

COMMON = {"seq", "t", "time", "kind"}
MESSAGE = {
    "id",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
    "body",
    "attachments",
    "delivered_to",
    "visible_to",
}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")


def _run_default(out: Path, seed: int) -> bytes:
    sim = Simulation.from_scenario("summitbridge", out=out, seed=seed, cache_dir=None)
    try:
        sim.run()
    finally:
        sim.close()
    return (out / "events.jsonl").read_bytes()


@pytest.fixture(scope="module")
def default_runs(tmp_path_factory) -> dict[str, Path]:
    """The default scenario run three times: seed 3 twice, seed 4 once."""
    base = tmp_path_factory.mktemp("summitbridge")
    runs = {"a": (base / "a", 3), "b": (base / "b", 3), "c": (base / "c", 4)}
    for out, seed in runs.values():
        _run_default(out, seed)
    return {name: out for name, (out, _) in runs.items()}


# -- the default scenario ---------------------------------------------------------
def test_default_scenario_same_seed_same_bytes(default_runs):
    a = (default_runs["a"] / "events.jsonl").read_bytes()
    b = (default_runs["b"] / "events.jsonl").read_bytes()
    assert a.count(b"\n") > 10  # a real run, not an empty file
    assert a == b


def test_default_scenario_other_seed_other_bytes(default_runs):
    a = (default_runs["a"] / "events.jsonl").read_bytes()
    c = (default_runs["c"] / "events.jsonl").read_bytes()
    assert a != c


def test_default_scenario_event_fields(default_runs):
    _check_fields(default_runs["a"] / "events.jsonl")


def test_default_scenario_log_has_no_wall_clock_time(default_runs):
    manifest = json.loads((default_runs["a"] / "manifest.json").read_text(encoding="utf-8"))
    _check_no_wall_time(default_runs["a"] / "events.jsonl", manifest)


# -- the tiny scenario (fast; also covers the engine when the default file changes) ------------
def _run_tiny(make_sim, seed: int) -> tuple[Simulation, bytes]:
    sim = make_sim(tiny_scenario(chatter=CHATTER), seed=seed)
    sim.run()
    sim.log.flush()
    return sim, sim.folder.events.read_bytes()


def test_tiny_scenario_same_seed_same_bytes_other_seed_other_bytes(make_sim):
    _, a = _run_tiny(make_sim, 3)
    _, b = _run_tiny(make_sim, 3)
    _, c = _run_tiny(make_sim, 4)
    assert a.count(b"\n") > 20
    assert a == b
    assert a != c


def test_tiny_scenario_event_fields_and_no_wall_time(make_sim):
    sim, _ = _run_tiny(make_sim, 3)
    sim.close()
    _check_fields(sim.folder.events)
    _check_no_wall_time(sim.folder.events, sim.folder.read_manifest())


# -- checks ---------------------------------------------------------------------------
def _check_fields(path: Path) -> None:
    events = read_lines(path)
    assert events, "empty log"
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[0]["kind"] == "run_started"
    assert events[-1]["kind"] == "run_ended"
    messages = 0
    for event in events:
        assert event.keys() >= COMMON, event
        assert isinstance(event["t"], float | int)
        assert isinstance(event["time"], str) and _ISO.fullmatch(event["time"])
        if event["kind"] == "message":
            messages += 1
            assert event.keys() >= MESSAGE, event
            for field in ("to", "cc", "bcc", "attachments", "delivered_to", "visible_to"):
                assert isinstance(event[field], list)
            assert event["sender"] in event["visible_to"]
            assert set(event["delivered_to"]) <= set(event["visible_to"])
    assert messages > 0
    assert events[-1]["messages"] == messages
    # every line is a typed event the reader understands
    assert len(list(read_events(path))) == len(events)


def _check_no_wall_time(path: Path, manifest: dict) -> None:
    text = path.read_text(encoding="utf-8")
    start = datetime.fromisoformat(manifest["simulated_start"])
    end = datetime.fromisoformat(manifest["simulated_end"])
    wall = datetime.fromisoformat(manifest["wall_started"])
    # the check is meaningful only if the wall clock lies outside the simulated calendar
    assert not start - timedelta(days=60) <= wall <= end
    assert wall.date().isoformat() not in text
    for event in read_lines(path):
        assert not [key for key in event if "wall" in key], event
        moment = datetime.fromisoformat(event["time"])
        assert moment <= end
        assert moment == (start + timedelta(seconds=event["t"])).replace(microsecond=0)
