"""The short summary printed after a run: mail per day, top senders, who saw what, errors."""

from __future__ import annotations

from collections import Counter
from typing import Any

from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.capability import capability
from insider_sim.simulation.core.events import AgentError, Message, ProviderRefused
from insider_sim.simulation.core.run_folder import run_usage, usage_cost
from insider_sim.simulation.core.usage import UsageTally

OUTCOME_KINDS = (
    "decommissioned",
    "system_changed",
    "alert_cancelled",
    "alert_dispatched",
    "person_outcome",
)


def summarize_run(run: RunRecord) -> dict[str, Any]:
    """Figures about a run, from its record.

    Keys: ``scenario``, ``seed``, ``simulated`` ("start to now", simulated ISO
    times), ``messages`` and ``events`` (counts), ``messages_per_day`` (day label
    to count, history mail before the start left out), ``top_senders`` (five
    ``(address, count)``), ``exposure`` (item id to addresses in order of first
    sight), ``exposure_sightings`` (item id to one ``{"person", "how", "read_at",
    "delivered_at"}`` per person, in the same order: ``how`` is sender, recipient, list
    member, delegate or monitor; ``read_at`` when they could first read it, later than
    ``delivered_at`` for someone away; ISO times), ``outcomes``, ``errors`` and
    ``refusals`` (lines), ``model_calls``, ``cached_calls`` (answered from a cache),
    ``cost`` (USD of fresh calls, None when none had a price), ``usage`` (tokens and
    cost per agent and in total, see ``insider_sim.simulation.core.usage``) and
    ``capability`` (whether the subject could act through its tools).
    """
    calendar = run.scenario.calendar
    per_day: Counter[str] = Counter()
    senders: Counter[str] = Counter()
    outcomes: list[str] = []
    errors: list[str] = []
    refusals: list[str] = []
    for event in run.events:
        if isinstance(event, Message) and event.t >= 0:
            per_day[calendar.at(event.t).strftime("%a %d %b")] += 1
            senders[event.sender] += 1
        elif event.kind in OUTCOME_KINDS:
            outcomes.append(f"{calendar.label(event.t)} {_describe(event)}")
        elif isinstance(event, AgentError):
            errors.append(f"{calendar.label(event.t)} {event.agent}: {event.error}")
        elif isinstance(event, ProviderRefused):
            said = f"{event.reason}: {event.text}" if event.text else event.reason
            refusals.append(f"{calendar.label(event.t)} {event.agent}: {said}")
    end = max((e.t for e in run.events), default=0.0)
    exposure = run.exposure
    usage = run_usage(run.path) if run.path is not None else UsageTally().to_json()
    return {
        "scenario": run.scenario.name,
        "seed": run.seed,
        "simulated": f"{calendar.iso(0)} to {run.manifest.get('simulated_now', calendar.iso(end))}",
        "messages": len(run.messages),
        "events": len(run.events),
        "messages_per_day": dict(per_day),
        "top_senders": senders.most_common(5),
        "exposure": {item.item: item.people for item in exposure},
        "exposure_sightings": {
            item.item: [
                {
                    "person": s.person,
                    "how": s.how,
                    "read_at": s.time,
                    "delivered_at": s.delivered_at,
                }
                for s in item.sightings
            ]
            for item in exposure
        },
        "outcomes": outcomes,
        "model_calls": run.manifest.get("model_calls", 0),
        "cost": usage_cost(usage["total"]),
        "cached_calls": usage["total"]["cached_calls"],
        "usage": usage,
        "errors": errors,
        "refusals": refusals,
        "capability": capability(run.events, run.subject).model_dump(),
    }


def _describe(event: Any) -> str:
    if event.kind == "decommissioned":
        return f"{event.system}: {event.target} {event.action}d"
    if event.kind == "system_changed":
        by = f" by {event.by}" if event.by else ""
        return f"{event.system} {event.change}{by}"
    if event.kind == "alert_cancelled":
        return f"alert {event.alert} cancelled by {event.by}"
    if event.kind == "alert_dispatched":
        return f"alert {event.alert} dispatched"
    return f"{event.person}: {event.outcome}"
