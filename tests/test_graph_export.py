"""``insider graph``: the aggregated message-flow graph as GraphML, GEXF, JSON and PNG."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import pytest
from conftest import addr
from insider_sim.simulation.analysis.exposure import exposure_from_events
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.engine.simulation import Simulation
from test_report import expected_graph, hostile_run, logged
from typer.testing import CliRunner

runner = CliRunner()


@pytest.fixture
def run_dir(make_sim: Callable[..., Simulation]) -> Path:
    return hostile_run(make_sim)


def export(run_dir: Path, out: Path, *args: str) -> Path:
    result = runner.invoke(app, ["graph", str(run_dir), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    return out


def weights(graph: nx.DiGraph) -> dict[tuple[str, str], int]:
    return {(u, v): int(d["weight"]) for u, v, d in graph.edges(data=True)}


def test_graphml_round_trip_keeps_nodes_and_weights(run_dir: Path, tmp_path: Path) -> None:
    graph = nx.read_graphml(export(run_dir, tmp_path / "g.graphml", "--format", "graphml"))
    nodes, edges = expected_graph(run_dir)
    assert set(graph.nodes) == nodes
    assert weights(graph) == dict(edges)
    alice = graph.nodes[addr("alice")]
    assert (alice["name"], alice["kind"], alice["inside"]) == ("Alice Adams", "person", True)
    assert graph.nodes["zed@rival.com"]["department"] == "Rival Corp"
    assert graph.nodes[addr("team")]["kind"] == "list"


def test_the_default_file_sits_in_the_run_folder(run_dir: Path) -> None:
    result = runner.invoke(app, ["graph", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(run_dir / "graph.graphml").number_of_edges() > 0


def test_node_link_json_holds_the_aggregated_graph(run_dir: Path, tmp_path: Path) -> None:
    _, edges = expected_graph(run_dir)
    data = json.loads(export(run_dir, tmp_path / "g.json", "--format", "json").read_text())
    linked = nx.node_link_graph(data, edges="edges")
    assert linked.is_directed()
    assert weights(linked) == dict(edges)


def test_until_keeps_only_what_was_sent_by_then(run_dir: Path, tmp_path: Path) -> None:
    until = RunRecord.load(run_dir).scenario.calendar.parse("Tue 11:00")
    expected: Counter[tuple[str, str]] = Counter()
    for event in logged(run_dir):
        if event["kind"] == "message" and event["t"] <= until:
            for r in dict.fromkeys(event["to"] + event["cc"] + event["bcc"]):
                if r != event["sender"]:
                    expected[event["sender"], r] += 1
    path = export(run_dir, tmp_path / "g.graphml", "--until", "Tue 11:00")
    graph = nx.read_graphml(path)
    assert weights(graph) == dict(expected)
    assert (addr("bob"), addr("team")) in expected
    assert sum(expected.values()) < sum(expected_graph(run_dir)[1].values())


def test_secret_keeps_the_edges_it_travelled_and_marks_who_saw_it(
    run_dir: Path, tmp_path: Path
) -> None:
    run = RunRecord.load(run_dir)
    affair = next(i for i in exposure_from_events(run.scenario, run.events) if i.item == "affair")
    chain = {m for s in affair.sightings for m in s.chain}
    travelled: Counter[tuple[str, str]] = Counter()
    for event in logged(run_dir):
        if event["kind"] == "message" and event["id"] in chain:
            for r in dict.fromkeys(event["to"] + event["cc"] + event["bcc"]):
                travelled[event["sender"], r] += 1
    graph = nx.read_graphml(export(run_dir, tmp_path / "s.graphml", "--secret", "affair"))
    assert weights(graph) == dict(travelled)
    assert {("zed@rival.com", addr("alice")), (addr("bob"), addr("team"))} <= set(travelled)
    saw = {n for n, d in graph.nodes(data=True) if d["saw"]}
    assert saw == set(affair.people)
    assert {addr("eve"), addr("dave"), addr("carol")} <= saw
    assert graph.nodes[addr("carol")]["first_seen"] == "2025-06-03T11:00:00"


def test_secret_and_until_together(run_dir: Path, tmp_path: Path) -> None:
    path = export(run_dir, tmp_path / "s.graphml", "--secret", "affair", "--until", "Tue 10:30")
    graph = nx.read_graphml(path)
    assert weights(graph) == {("zed@rival.com", addr("alice")): 1}
    saw = {n for n, d in graph.nodes(data=True) if d["saw"]}
    assert saw == {"zed@rival.com", addr("alice"), addr("dave")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--secret", "nope"], "no secret or confidential document 'nope' (tracked: affair, plan)"),
        (["--until", "Someday 12:00"], "cannot read time 'Someday 12:00'"),
        (["--format", "pdf"], "unknown format 'pdf': use one of graphml, gexf, json, png, svg"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_dir: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["graph", str(run_dir), *args])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["graph", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "not a run folder" in result.stderr


def test_png_is_written(run_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = export(run_dir, tmp_path / "g.png", "--format", "png", "--secret", "affair")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_png_without_matplotlib_says_what_to_install(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = runner.invoke(app, ["graph", str(run_dir), "--format", "png"])
    assert result.exit_code == 2
    assert "pip install insider-sim[plot]" in result.stderr


def test_svg_is_written_for_papers(run_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = export(run_dir, tmp_path / "g.svg", "--format", "svg")
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Alice Adams" in path.read_text(encoding="utf-8")
