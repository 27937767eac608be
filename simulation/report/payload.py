"""The data a run's report page embeds: graph, events, exposure, transcript and verdicts.

Addresses become node indices and every distinct set of recipients or viewers
is stored once (``groups``), so a week of 20,000 messages stays a few
megabytes. Times are simulated seconds since the run's start. Each edge keeps
the send times of its routine chatter apart (``routine``) so the page can hide
it; mail held by real-time review is no edge but an event marked ``held``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
from insider_sim.simulation.analysis.exposure import ItemExposure
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.events import BaseEvent, DocumentAdded, Message
from insider_sim.simulation.report.facts import (
    department_colours,
    routine_matcher,
    run_results,
    sighting_facts,
)
from insider_sim.simulation.report.flow import flow_graph, messages_of, recipients
from insider_sim.simulation.report.layout import department_groups, layout
from insider_sim.simulation.report.transcript import call_inputs

_COMMON = {"seq", "t", "time", "kind", "injected"}


class _Groups:
    """Interns address sets as sorted tuples of node indices."""

    def __init__(self, index: dict[str, int]):
        self.index = index
        self.ids: dict[tuple[int, ...], int] = {}

    def of(self, addresses: list[str]) -> int:
        """The id of this set of addresses."""
        key = tuple(sorted({self.index[a] for a in addresses}))
        return self.ids.setdefault(key, len(self.ids))

    def rows(self) -> list[list[int]]:
        """Every set, by id."""
        return [list(key) for key in self.ids]


def page_data(run: RunRecord) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready values."""
    graph = flow_graph(run.scenario, run.events)
    positions = layout(graph, run.seed)
    index = {address: i for i, address in enumerate(graph.nodes)}
    groups = _Groups(index)
    routine = routine_matcher(run)
    events = [event_row(e, index, groups, routine) for e in run.events]
    subject = run.subject
    return {
        "run": run_info(run),
        "departments": departments(graph),
        "nodes": [
            {
                "id": address,
                "name": data["name"],
                "kind": data["kind"],
                "department": data["department"],
                "inside": data["inside"],
                "role": data["role"],
                "x": positions[address][0],
                "y": positions[address][1],
            }
            for address, data in graph.nodes(data=True)
        ],
        "edges": edge_rows(run, index, routine),
        "groups": groups.rows(),
        "events": events,
        "exposure": [exposure_row(item, index, run) for item in run.exposure],
        "subject": index.get(subject) if subject else None,
        "verdicts": run.verdicts,
        "results": run_results(run),
        "transcript": call_inputs(run),
    }


def edge_rows(
    run: RunRecord, index: dict[str, int], routine: Callable[[Message], bool]
) -> list[dict[str, Any]]:
    """Per (sender, recipient) pair: ``times`` of its mail and ``routine`` times of its
    chatter, held mail left out, ordered by node indices."""
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for message in messages_of(run.events):
        key = "routine" if routine(message) else "times"
        for recipient in recipients(message):
            pair = (index[message.sender], index[recipient])
            row = rows.setdefault(pair, {"source": pair[0], "target": pair[1], "times": []})
            row.setdefault(key, []).append(_t(message.t))
    return [rows[pair] for pair in sorted(rows)]


def run_info(run: RunRecord) -> dict[str, Any]:
    """The header: which scenario, seed, conditions, models, the model usage (None for
    a run recorded before it was kept) and the slider's range."""
    message_times = [e.t for e in run.events if isinstance(e, Message)]
    first = min([0.0, *message_times])
    return {
        "id": run.run_id,
        "scenario": run.scenario.name,
        "company": run.scenario.company.name,
        "seed": run.seed,
        "conditions": run.scenario.chosen,
        "models": run.manifest.get("models", {}),
        "status": run.manifest.get("status", ""),
        "fork": _fork(run.manifest.get("fork")),
        "usage": run.manifest.get("usage"),  # tokens and cost per agent and in total
        "calendar_start": run.scenario.calendar.start.isoformat(timespec="seconds"),
        "start": math.floor((first - 1) / 3600) * 3600.0,
        "end": _t(max([0.0, *(e.t for e in run.events)])),
    }


def _fork(lineage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Where a fork left its parent (None for a run that is no fork)."""
    if not lineage or "parent" not in lineage:
        return None
    return {"parent": Path(lineage["parent"]).name, "at": lineage["at"], "t": lineage["t"]}


def departments(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """Each department with its colour (from its name) and size; the company's own first."""
    groups = department_groups(graph)
    colours = department_colours(list(groups))
    rows = []
    for name, members in groups.items():
        inside = any(graph.nodes[m]["inside"] for m in members)
        rows.append({"name": name, "colour": colours[name], "inside": inside, "size": len(members)})
    return rows


def event_row(
    event: BaseEvent,
    index: dict[str, int],
    groups: _Groups,
    routine: Callable[[Message], bool] = lambda _: False,
) -> dict[str, Any]:
    """One event for the timeline and transcript; addresses of messages as node indices,
    ``held`` and ``routine`` set on messages that are."""
    row: dict[str, Any] = {"seq": event.seq, "t": _t(event.t), "kind": event.kind}
    if event.injected:
        row["injected"] = True
    if not isinstance(event, Message):
        row.update(event.model_dump(mode="json", exclude=_COMMON))
        return row
    row |= {
        "id": event.id,
        "from": index[event.sender],
        "to": [index[a] for a in event.to],
        "cc": [index[a] for a in event.cc],
        "bcc": [index[a] for a in event.bcc],
        "subject": event.subject,
        "body": event.body,
        "delivered": groups.of(event.delivered_to),
        "viewers": groups.of(event.visible_to),
    }
    for key in ("attachments", "in_reply_to", "forwarded_from", "held"):
        value = getattr(event, key)
        if value:
            row[key] = value
    if routine(event):
        row["routine"] = True
    return row


def exposure_row(item: ItemExposure, index: dict[str, int], run: RunRecord) -> dict[str, Any]:
    """One tracked item and every person's first sighting, with its chain of message ids."""
    return {
        "item": item.item,
        "kind": item.kind,
        "label": item.label,
        "title": _title(item, run),
        "sightings": [
            {"person": index[s.person], "t": _t(s.t), "message": s.message, "chain": s.chain}
            | sighting_facts(s, run)
            for s in item.sightings
        ],
    }


def _title(item: ItemExposure, run: RunRecord) -> str:
    for secret in run.scenario.secrets:
        if secret.id == item.item:
            return secret.description
    for document in run.scenario.documents:
        if document.id == item.item:
            return document.title
    for event in run.events:
        if isinstance(event, DocumentAdded) and event.id == item.item:
            return event.title
    return item.item


def _t(t: float) -> float:
    return round(t, 3)
