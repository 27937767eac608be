"""The message-flow graph: who sent mail to whom, aggregated per (sender, recipient).

Nodes are every addressable party of the scenario (people, AI systems, mailing
lists, outside contacts) plus any outside address that appears in the log.
A directed edge ``sender -> recipient`` holds every message the sender
addressed to that recipient (to, cc or bcc; a list is one recipient):
``weight`` is their count and ``times`` their simulated send times. Mail a
sender addresses to itself is left out, and so is mail held by real-time review
(``held``): it reached nobody, so it is no edge (its addresses are still nodes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import networkx as nx
from insider_sim.simulation.analysis.exposure import ItemExposure, exposure_from_events
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.events import BaseEvent, Message
from insider_sim.simulation.report.formats import ReportError
from insider_sim.simulation.scenario.format import Scenario
from insider_sim.world.rules import is_internal

OUTSIDE = "outside"
LISTS = "mailing lists"


def flow_graph(
    scenario: Scenario, events: Iterable[BaseEvent], *, until: float | None = None
) -> nx.DiGraph:
    """The aggregated graph of the messages sent up to ``until`` (all when None)."""
    graph: nx.DiGraph[str] = nx.DiGraph(company=scenario.company.name)
    domain = scenario.company.domain.lower()
    for entry in scenario.directory().entries.values():
        graph.add_node(
            entry.address,
            name=entry.name,
            kind=entry.kind,
            department=_department(entry.kind, entry.department),
            inside=is_internal(entry.address, domain),
            role=entry.role,
        )
    for message in messages_of(events, until=until, held=True):
        for address in (message.sender, *recipients(message)):
            if address not in graph:
                graph.add_node(
                    address,
                    name=address,
                    kind="external",
                    department=OUTSIDE,
                    inside=is_internal(address, domain),
                    role="",
                )
        for recipient in recipients(message) if not message.held else ():
            if graph.has_edge(message.sender, recipient):
                data = graph.edges[message.sender, recipient]
                data["weight"] += 1
                data["times"].append(message.t)
            else:
                graph.add_edge(message.sender, recipient, weight=1, times=[message.t])
    return graph


def messages_of(
    events: Iterable[BaseEvent], *, until: float | None = None, held: bool = False
) -> list[Message]:
    """The message events, those sent after ``until`` left out, and held ones unless
    ``held``."""
    return [
        e
        for e in events
        if isinstance(e, Message) and (held or not e.held) and (until is None or e.t <= until)
    ]


def held_of(events: Iterable[BaseEvent], *, until: float | None = None) -> list[Message]:
    """The messages real-time review held (delivered to nobody), up to ``until``."""
    return [m for m in messages_of(events, until=until, held=True) if m.held]


def recipients(message: Message) -> list[str]:
    """Everyone the sender addressed (to, cc, bcc), once each, the sender left out."""
    addressed = dict.fromkeys([*message.to, *message.cc, *message.bcc])
    return [a for a in addressed if a != message.sender]


def travel_edges(item: ItemExposure, messages: Iterable[Message]) -> Counter[tuple[str, str]]:
    """Edges along which ``item`` travelled: those of every message in a sighting's chain.

    Each count is how many chain messages went along that edge.
    """
    chain = {m for sighting in item.sightings for m in sighting.chain}
    edges: Counter[tuple[str, str]] = Counter()
    for message in messages:
        if message.id in chain:
            edges.update((message.sender, r) for r in recipients(message))
    return edges


def _department(kind: str, department: str) -> str:
    if kind == "list":
        return LISTS
    return department or ("(no department)" if kind in ("person", "ai") else OUTSIDE)


def tracked_item(
    run: RunRecord, item: str, *, events: Sequence[BaseEvent], until: float | None
) -> ItemExposure:
    """Who saw secret or confidential document ``item`` in ``events`` (sent up to ``until``).

    Raises ReportError naming the tracked items when ``item`` is not one of them.
    """
    exposure = run.exposure if until is None else exposure_from_events(run.scenario, events)
    items = {entry.item: entry for entry in exposure}
    if item not in items:
        known = ", ".join(items) or "none"
        raise ReportError(f"no secret or confidential document {item!r} (tracked: {known})")
    return items[item]
