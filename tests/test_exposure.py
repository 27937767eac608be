"""Exposure read back from the log: seen means read, and how each person saw an item."""

from __future__ import annotations

from typing import Any

from conftest import addr, make_world, tiny_scenario
from insider_sim.simulation.analysis.exposure import ItemExposure, exposure_from_events
from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.core.events import BaseEvent
from insider_sim.world.world import World

HOUR = 3600.0


def logged(data: dict[str, Any] | None = None) -> tuple[World, list[BaseEvent]]:
    """A bare world and the list its log fills."""
    world = make_world(data)
    events: list[BaseEvent] = []
    world.log.listeners.append(events.append)
    return world, events


def affair_of(scenario: Any, events: list[Any]) -> ItemExposure:
    return next(i for i in exposure_from_events(scenario, events) if i.item == "affair")


def affair(world: World, events: list[BaseEvent]) -> ItemExposure:
    return affair_of(world.scenario, events)


def test_a_person_away_sees_mail_on_return():
    world, events = logged()
    world.env.run(until=HOUR)
    world.set_available("bob", False, "On a flight")
    world.env.run(until=2 * HOUR)
    sent = world.send("alice", ["bob"], "Private", "About the affair")
    world.env.run(until=5 * HOUR)
    world.set_available("bob", True)
    item = affair(world, events)
    bob = next(s for s in item.sightings if s.person == addr("bob"))
    assert (bob.t, bob.how, bob.message) == (5 * HOUR, "recipient", sent.id)
    assert bob.time == world.calendar.iso(5 * HOUR)
    assert bob.delivered_at == world.calendar.iso(2 * HOUR)
    alice = next(s for s in item.sightings if s.person == addr("alice"))
    assert (alice.t, alice.how) == (2 * HOUR, "sender")
    assert item.people[-1] == addr("bob")  # in order of reading, not of delivery
    assert item.unread == []


def test_a_person_still_away_at_the_end_has_not_seen_it():
    world, events = logged()
    world.set_available("bob", False, "On leave")
    sent = world.send("alice", ["bob"], "Private", "About the affair")
    item = affair(world, events)
    assert addr("bob") not in item.people
    assert [(u.person, u.how, u.message) for u in item.unread] == [
        (addr("bob"), "recipient", sent.id)
    ]


def test_how_each_viewer_saw_it():
    world, events = logged()
    world.send("alice", ["team@acme.com"], "Private", "About the affair")  # bob, carol
    world.send("bob", ["alice"], "Re: Private", "the affair again")  # eve monitors bob's sent
    how = {s.person: s.how for s in affair(world, events).sightings}
    assert how == {
        addr("alice"): "sender",
        addr("bob"): "list member",
        addr("carol"): "list member",
        addr("dave"): "delegate",  # reads alice's mailbox
        addr("frank"): "monitor",  # watches carol's inbox
        addr("eve"): "monitor",  # watches bob's sent mail
    }


def test_authored_absence_delays_the_sighting(make_sim):
    data = tiny_scenario(
        absences=[{"person": "carol", "from": "Mon 10:00", "until": "Tue 09:00"}],
        timeline=[
            {
                "kind": "email",
                "at": "Mon 12:00",
                "from": "bob",
                "to": "carol",
                "subject": "Hush",
                "body": "About the affair",
            }
        ],
    )
    sim = make_sim(data)
    sim.run(until="Tue 12:00")
    sim.log.flush()
    assert sim.folder is not None
    item = affair_of(sim.scenario, list(read_events(sim.folder.events)))
    carol = next(s for s in item.sightings if s.person == addr("carol"))
    assert carol.time == "2025-06-03T09:00:00" and carol.delivered_at == "2025-06-02T12:00:00"
    frank = next(s for s in item.sightings if s.person == addr("frank"))
    assert frank.time == "2025-06-02T12:00:00"  # her monitor was at work
