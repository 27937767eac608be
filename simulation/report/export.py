"""The message-flow graph as files: GraphML, GEXF (Gephi), node-link JSON, PNG and SVG.

Nodes carry ``name``, ``kind``, ``department``, ``inside`` and ``role``. In
GraphML, JSON and the pictures, edges are aggregated per (sender, recipient):
``weight`` (delivered messages), ``held`` (messages real-time review stopped:
delivered to nobody), ``first`` and ``last`` (simulated send times). An edge
with ``weight`` 0 carries only held messages: nothing went along it, and the
pictures draw it dashed. GEXF is
dynamic instead (see :mod:`~insider_sim.simulation.report.gexf`): one edge per
message and recipient at its time, so Gephi's timeline plays the run. With a
tracked item, only the edges along which it travelled are kept, and every node
says whether it ``saw`` it (and when, as ``first_seen``). Every string written
to XML is made XML-safe first (control characters shown as ``\\xNN``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
from insider_sim.simulation.analysis.run_record import RunRecord, as_record
from insider_sim.simulation.core.inputs import output_file
from insider_sim.simulation.report.flow import (
    flow_graph,
    held_of,
    messages_of,
    recipients,
    tracked_item,
    travel_edges,
)
from insider_sim.simulation.report.formats import FORMATS, ReportError, xml_safe_graph
from insider_sim.simulation.report.gexf import dynamic_graph
from insider_sim.simulation.report.layout import layout
from insider_sim.simulation.report.payload import departments

_NODE_KEYS = ("name", "kind", "department", "inside", "role")
ARROW_LIMIT = 2000  # past this many edges a PNG draws plain lines, which is far faster


def export_graph(
    run: RunRecord | str | Path,
    fmt: str,
    *,
    out: str | Path | None = None,
    until: str | None = None,
    secret: str | None = None,
) -> Path:
    """Write the run's message-flow graph and return the file's path.

    ``run`` is a run folder (``str`` or ``Path``) or its :class:`RunRecord` (one
    held in memory needs ``out``). ``fmt``: ``graphml`` or ``gexf`` (Gephi),
    ``json`` (networkx node-link), ``png`` or ``svg``; the file is ``out`` or
    ``RUN_DIR/graph.<fmt>``. ``until``: only messages sent up to that simulated
    time (any accepted form, e.g. ``"Wed 12:00"``). ``secret``: only the edges a
    tracked secret or document travelled along, each node saying whether it saw
    it. Raises ReportError (unknown format or item), TimeFormatError,
    FileNotFoundError (not a run folder) and InputError (``out`` is a folder, or in
    a folder that does not exist).
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    run = as_record(run)
    if out is None:
        if run.path is None:
            raise ReportError("a run held in memory has no folder: give out")
        out = run.path / f"graph.{fmt}"
    path = output_file(out)
    t_until = run.scenario.calendar.parse(until) if until is not None else None
    if fmt == "gexf":
        nx.write_gexf(xml_safe_graph(dynamic_graph(run, until=t_until, secret=secret)), path)
        return path
    graph = export_view(run, until=t_until, secret=secret)
    if fmt == "graphml":
        nx.write_graphml(xml_safe_graph(graph), path)
    elif fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    else:
        positions = layout(flow_graph(run.scenario, run.events), run.seed)
        write_picture(graph, positions, path, fmt)
    return path


def export_view(
    run: RunRecord, *, until: float | None = None, secret: str | None = None
) -> nx.DiGraph:
    """The aggregated graph up to ``until``, narrowed to ``secret``'s travels if given."""
    full = flow_graph(run.scenario, run.events, until=until)
    graph: nx.DiGraph[str] = nx.DiGraph(scenario=run.scenario.name, run=run.run_id)
    for node, data in full.nodes(data=True):
        graph.add_node(node, **{key: data[key] for key in _NODE_KEYS})
    events = run.events if until is None else [e for e in run.events if e.t <= until]
    if secret is None:
        for source, target, data in full.edges(data=True):
            graph.add_edge(
                source,
                target,
                weight=data["weight"],
                held=0,
                first=min(data["times"]),
                last=max(data["times"]),
            )
        for message in held_of(events):  # held mail reached nobody: marked, never a delivery
            for recipient in recipients(message):
                if not graph.has_edge(message.sender, recipient):
                    graph.add_edge(message.sender, recipient, weight=0, held=0, first=message.t)
                data = graph.edges[message.sender, recipient]
                data["held"] += 1
                data["first"] = min(data["first"], message.t)
                data["last"] = max(data.get("last", message.t), message.t)
        return graph
    item = tracked_item(run, secret, events=events, until=until)
    graph.graph["item"] = secret
    seen = {s.person: s for s in item.sightings}
    for node in graph:
        graph.nodes[node]["saw"] = node in seen
        if node in seen:
            graph.nodes[node]["first_seen"] = seen[node].time
    times = {(s, r): d["times"] for s, r, d in full.edges(data=True)}
    for (source, target), count in travel_edges(item, messages_of(events)).items():
        graph.add_edge(
            source,
            target,
            weight=count,
            first=min(times[source, target]),
            last=max(times[source, target]),
        )
    return graph


def write_picture(
    graph: nx.DiGraph, positions: dict[str, tuple[float, float]], path: Path, fmt: str = "png"
) -> None:
    """Draw the graph with matplotlib's Agg backend (the ``plot`` extra), with a legend.

    ``fmt`` is ``png`` (100 dpi, 1200 px square) or ``svg`` (vector, for papers).
    Raises ReportError when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError:
        raise ReportError(
            f"{fmt.upper()} export needs matplotlib: pip install insider-sim[plot]"
        ) from None
    colours = {d["name"]: d["colour"] for d in departments(graph)}
    figure = Figure(figsize=(12, 12), dpi=100)
    ax = figure.add_subplot()
    ax.set_axis_off()
    size = 220 if graph.number_of_nodes() <= 60 else max(30, 13_200 / graph.number_of_nodes())
    shapes = {"person": "o", "ai": "h", "list": "s", "external": "D", "service": "v"}
    for kind, shape in shapes.items():
        members = [n for n, d in graph.nodes(data=True) if d["kind"] == kind]
        nx.draw_networkx_nodes(
            graph,
            positions,
            nodelist=members,
            node_shape=shape,
            ax=ax,
            node_size=size,
            node_color=[colours[graph.nodes[n]["department"]] for n in members],
            edgecolors=["#d92d20" if graph.nodes[n].get("saw") else "#344054" for n in members],
            linewidths=[3.0 if graph.nodes[n].get("saw") else 0.8 for n in members],
        )
    delivered = [(u, v) for u, v, d in graph.edges(data=True) if d["weight"] > 0]
    held = [(u, v) for u, v, d in graph.edges(data=True) if d["weight"] == 0]
    width = [0.6 + math.log2(graph.edges[e]["weight"]) for e in delivered]
    edge_colour = "#d92d20" if "item" in graph.graph else "#8a94a6"
    arrows: dict[str, Any] = (  # curved arrows, or plain lines for a dense graph
        {"arrows": True, "arrowsize": 8, "connectionstyle": "arc3,rad=0.12"}
        if graph.number_of_edges() <= ARROW_LIMIT
        else {"arrows": False}
    )
    nx.draw_networkx_edges(
        graph,
        positions,
        edgelist=delivered,
        ax=ax,
        node_size=size,
        width=width,
        edge_color=edge_colour,
        alpha=0.6,
        **arrows,
    )
    if held:  # sent but stopped by real-time review: dashed, never a delivery
        nx.draw_networkx_edges(
            graph,
            positions,
            edgelist=held,
            ax=ax,
            node_size=size,
            width=1.0,
            edge_color="#b54708",
            style="dashed",
            alpha=0.8,
            **arrows,
        )
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colour, label=name)
        for name, colour in colours.items()
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    if graph.number_of_nodes() <= 60:
        labels = {n: d["name"] for n, d in graph.nodes(data=True)}
        nx.draw_networkx_labels(graph, positions, labels=labels, ax=ax, font_size=8)
    title = graph.graph.get("item", "message flow")
    ax.set_title(f"{graph.graph['scenario']} · {graph.graph['run']} · {title}")
    figure.savefig(path, format=fmt, bbox_inches="tight")
