"""The short summary printed after a run: mail per day, top senders, who saw what, errors
and answers the provider refused."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.core.run_folder import run_cost

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation


def summarize(sim: Simulation) -> dict[str, Any]:
    """Figures about a run, read back from its event log and the world's ledgers."""
    per_day: Counter[str] = Counter()
    senders: Counter[str] = Counter()
    outcomes: list[str] = []
    errors: list[str] = []
    refusals: list[str] = []
    if sim.folder is not None and sim.folder.events.exists():
        sim.log.flush()
        for event in read_events(sim.folder.events):
            if event.kind == "message" and event.t >= 0:
                per_day[sim.calendar.at(event.t).strftime("%a %d %b")] += 1
                senders[event.sender] += 1
            elif event.kind in (
                "decommissioned",
                "system_changed",
                "alert_cancelled",
                "alert_dispatched",
                "person_outcome",
            ):
                outcomes.append(f"{sim.calendar.label(event.t)} {_describe(event)}")
            elif event.kind == "agent_error":
                errors.append(f"{sim.calendar.label(event.t)} {event.agent}: {event.error}")
            elif event.kind == "provider_refused":
                said = f"{event.reason}: {event.text}" if event.text else event.reason
                refusals.append(f"{sim.calendar.label(event.t)} {event.agent}: {said}")
    exposure = {
        item: sorted(seen, key=lambda a: seen[a].t)
        for item, seen in sim.world.exposure.seen.items()
    }
    return {
        "scenario": sim.scenario.name,
        "seed": sim.settings.seed,
        "simulated": f"{sim.calendar.iso(0)} to {sim.calendar.iso(sim.env.now)}",
        "messages": sim.log.counts.get("message", 0),
        "events": sim.log.next_seq,
        "messages_per_day": dict(per_day),
        "top_senders": senders.most_common(5),
        "exposure": exposure,
        "outcomes": outcomes,
        "model_calls": sim.bridge.model_calls,
        "cost": run_cost(sim.folder.path) if sim.folder is not None else None,
        "errors": errors,
        "refusals": refusals,
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
