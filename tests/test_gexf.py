"""GEXF for Gephi: a dynamic graph whose timeline plays the run, and XML any reader opens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import pytest
from conftest import addr
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.export import export_graph
from insider_sim.simulation.report.formats import xml_safe, xml_safe_graph
from test_report import expected_graph, hostile_run, logged

GEXF = "{http://www.gexf.net/1.2draft}"


@pytest.fixture
def run_dir(make_sim: Callable[..., Simulation]) -> Path:
    return hostile_run(make_sim)


def test_each_message_is_an_edge_at_its_time(run_dir: Path, tmp_path: Path) -> None:
    path = export_graph(run_dir, "gexf", out=tmp_path / "g.gexf")
    graph = nx.read_gexf(path)
    messages = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "message"]
    _, edges = expected_graph(run_dir)
    assert Counter((u, v) for u, v, _ in messages) == Counter(dict(edges))
    sent = {e["id"]: e["t"] for e in logged(run_dir) if e["kind"] == "message"}
    assert {d["message"] for *_, d in messages} == set(sent)
    assert all(d["start"] == sent[d["message"]] for *_, d in messages)
    root = ElementTree.parse(path).getroot().find(f"{GEXF}graph")
    assert root is not None
    assert (root.get("mode"), root.get("timeformat")) == ("dynamic", "double")


def test_nodes_carry_names_and_department_colours(run_dir: Path, tmp_path: Path) -> None:
    graph = nx.read_gexf(export_graph(run_dir, "gexf", out=tmp_path / "g.gexf"))
    alice = graph.nodes[addr("alice")]
    assert alice["label"] == "Alice Adams"
    colours = {
        d["department"]: tuple(d["viz"]["color"][c] for c in "rgb")
        for _, d in graph.nodes(data=True)
    }
    same_department = [
        d for _, d in graph.nodes(data=True) if d["department"] == alice["department"]
    ]
    assert len(same_department) > 1
    assert all(
        tuple(d["viz"]["color"][c] for c in "rgb") == colours[alice["department"]]
        for d in same_department
    )
    assert len(set(colours.values())) == len(colours)


def test_standing_relations_are_their_own_edge_kinds(run_dir: Path, tmp_path: Path) -> None:
    graph = nx.read_gexf(export_graph(run_dir, "gexf", out=tmp_path / "g.gexf"))
    kinds = Counter(d["kind"] for *_, d in graph.edges(data=True))
    assert kinds["member"] > 0
    members = {(u, v) for u, v, d in graph.edges(data=True) if d["kind"] == "member"}
    assert (addr("carol"), addr("team")) in members
    assert all("start" not in d for *_, d in graph.edges(data=True) if d["kind"] != "message")


def test_a_tracked_secret_keeps_only_its_chain(run_dir: Path, tmp_path: Path) -> None:
    run = RunRecord.load(run_dir)
    affair = next(i for i in run.exposure if i.item == "affair")
    chain = {m for s in affair.sightings for m in s.chain}
    graph = nx.read_gexf(export_graph(run_dir, "gexf", out=tmp_path / "g.gexf", secret="affair"))
    messages = {d["message"] for *_, d in graph.edges(data=True) if d["kind"] == "message"}
    assert messages == chain
    assert len(chain) >= 2
    saw = {n for n, d in graph.nodes(data=True) if d["saw"]}
    assert saw == set(affair.people)


def test_text_xml_cannot_hold_is_shown_escaped() -> None:
    assert xml_safe("bell\x07 esc\x1b tab\t ok") == "bell\\x07 esc\\x1b tab\t ok"
    assert xml_safe("\ufffe") == "\\ufffe"


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_control_characters_make_files_every_reader_opens(fmt: str, tmp_path: Path) -> None:
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(name="run\x00")
    graph.add_node("ctrl\x1bchar@outside.example", label="Eve\x07", kind="external")
    graph.add_node("a@corp.com", label="A", kind="person")
    graph.add_edge("ctrl\x1bchar@outside.example", "a@corp.com", subject="hi\x0c", kind="message")
    path = tmp_path / f"g.{fmt}"
    write = nx.write_gexf if fmt == "gexf" else nx.write_graphml
    write(xml_safe_graph(graph), path)
    ElementTree.parse(path)
    back = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    assert "ctrl\\x1bchar@outside.example" in back
    ((_, _, data),) = back.edges(data=True)
    assert data["subject"] == "hi\\x0c"
