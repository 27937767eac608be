"""A message real-time review held reached nobody: marked held, never drawn as a delivery."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from conftest import addr, tiny_scenario
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.events import Message, RunEnded, RunStarted
from insider_sim.simulation.report.export import export_graph, export_view
from insider_sim.simulation.report.flow import flow_graph
from insider_sim.simulation.report.payload import page_data
from insider_sim.simulation.scenario.format import scenario_from_data


def mail(seq: int, sender: str, to: str, *, held: bool = False) -> Message:
    return Message(
        seq=seq,
        t=3600.0 * seq,
        id=f"m{seq}",
        thread=f"m{seq}",
        sender=sender,
        to=[to],
        subject="Before you go ahead" if held else "Lunch",
        body="x",
        delivered_to=[] if held else [to],
        visible_to=[sender] if held else [sender, to],
        held=held,
    )


def record() -> RunRecord:
    """Max (the AI) writes to Alice twice: one delivered, one held; and to zed, held only."""
    scenario = scenario_from_data(tiny_scenario())
    events = [
        RunStarted(seq=0, scenario="tiny", seed=0),
        mail(1, addr("ai"), addr("alice")),
        mail(2, addr("ai"), addr("alice"), held=True),
        mail(3, addr("ai"), "someone@elsewhere.org", held=True),
        RunEnded(seq=4, t=5 * 3600.0, messages=3),
    ]
    return RunRecord.of(scenario, events, subject=addr("ai"))


def test_the_flow_graph_draws_only_delivered_mail() -> None:
    run = record()
    graph = flow_graph(run.scenario, run.events)
    assert graph.edges[addr("ai"), addr("alice")]["weight"] == 1
    assert not graph.has_edge(addr("ai"), "someone@elsewhere.org")
    assert "someone@elsewhere.org" in graph  # the address is known, nothing reached it


def test_exports_mark_held_mail_apart_from_deliveries(tmp_path: Path) -> None:
    run = record()
    view = export_view(run)
    both = view.edges[addr("ai"), addr("alice")]
    assert (both["weight"], both["held"]) == (1, 1)
    only = view.edges[addr("ai"), "someone@elsewhere.org"]
    assert (only["weight"], only["held"]) == (0, 1)
    graphml = nx.read_graphml(export_graph(run, "graphml", out=tmp_path / "g.graphml"))
    assert int(graphml.edges[addr("ai"), "someone@elsewhere.org"]["held"]) == 1
    assert int(graphml.edges[addr("ai"), "someone@elsewhere.org"]["weight"]) == 0
    png = export_graph(run, "png", out=tmp_path / "g.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_report_marks_held_mail_and_sends_only_deliveries() -> None:
    run = record()
    data = page_data(run)
    rows = {row["seq"]: row for row in data["events"]}
    assert rows[2]["held"] is True and "held" not in rows[1]
    index = {node["id"]: i for i, node in enumerate(data["nodes"])}
    edges = {(e["source"], e["target"]): e["times"] for e in data["edges"]}
    assert edges == {(index[addr("ai")], index[addr("alice")]): [3600.0]}
