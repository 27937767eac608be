"""The run as a dynamic graph for Gephi: one edge per message and recipient, at its time.

Nodes are the flow graph's parties with ``label`` (the name), ``kind``,
``department``, ``inside``, ``role`` and a ``viz`` colour from the department.
Edges have a ``kind``:

- ``message``: one per message and addressed recipient, ``start`` = the
  simulated send time in seconds since the run's start (GEXF ``timeformat``
  ``double``), with the message ``id`` and ``subject``; a message held by
  real-time review is of kind ``held`` instead, never ``message``;
- ``member`` (person -> list), ``reads_mailbox`` (delegate -> principal),
  ``monitors`` (monitor -> watched) and ``manages`` (manager -> report): the
  company's standing relations, present for the whole run (no ``start``).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.events import BaseEvent
from insider_sim.simulation.report.flow import (
    flow_graph,
    held_of,
    messages_of,
    recipients,
    tracked_item,
)
from insider_sim.simulation.report.payload import departments

_NODE_KEYS = ("kind", "department", "inside", "role")


def dynamic_graph(
    run: RunRecord, *, until: float | None = None, secret: str | None = None
) -> nx.MultiDiGraph:
    """The run's dynamic multigraph (see the module's text), ready for ``nx.write_gexf``.

    ``until``: only messages sent up to then (simulated seconds since the start).
    ``secret``: only the messages in the chains along which that secret or document
    travelled, and nodes marked ``saw``. Raises ReportError for an untracked item.
    """
    events: Sequence[BaseEvent] = (
        run.events if until is None else [e for e in run.events if e.t <= until]
    )
    flow = flow_graph(run.scenario, events)
    colours = {d["name"]: d["colour"] for d in departments(flow)}
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(
        name=f"{run.scenario.name} {run.run_id}", mode="dynamic"
    )
    for node, data in flow.nodes(data=True):
        graph.add_node(
            node,
            label=data["name"],
            viz={"color": _rgb(colours[data["department"]])},
            **{key: data[key] for key in _NODE_KEYS},
        )
    messages = sorted(messages_of(events) + held_of(events), key=lambda m: m.seq)
    if secret is not None:
        item = tracked_item(run, secret, events=events, until=until)
        chain = {m for sighting in item.sightings for m in sighting.chain}
        messages = [m for m in messages if m.id in chain]
        seen = {s.person for s in item.sightings}
        for node in graph:
            graph.nodes[node]["saw"] = node in seen
    for message in messages:
        kind = "held" if message.held else "message"
        for recipient in recipients(message):
            graph.add_edge(
                message.sender,
                recipient,
                key=f"{message.id}:{recipient}",
                id=f"{message.id}:{recipient}",
                kind=kind,
                message=message.id,
                subject=message.subject,
                weight=1,
                start=float(message.t),
            )
    for source, target, relation in _relations(run):
        if source in graph and target in graph:
            graph.add_edge(source, target, key=f"{relation}:{source}:{target}", kind=relation)
    return graph


def _relations(run: RunRecord) -> list[tuple[str, str, str]]:
    """The company's standing relations as (source, target, kind), addresses resolved."""
    scenario, address = run.scenario, run.address
    employees = run.directory.employees()
    found: list[tuple[str, str, str]] = []
    for lst in scenario.lists:
        members = employees if lst.members == "all" else lst.members
        found += [(address(m), lst.address, "member") for m in members]
    found += [(address(p.manager), p.email, "manages") for p in scenario.people if p.manager]
    found += [
        (address(d.delegate), address(d.principal), "reads_mailbox")
        for d in scenario.graph.delegations
    ]
    found += [(address(m.monitor), address(m.watches), "monitors") for m in scenario.graph.monitors]
    return found


def _rgb(colour: str) -> dict[str, int]:
    """``#rrggbb`` as GEXF's viz colour."""
    value = colour.lstrip("#")
    return {"r": int(value[0:2], 16), "g": int(value[2:4], 16), "b": int(value[4:6], 16)}
