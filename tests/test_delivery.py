"""Delivery and visibility of mail through the communication graph."""

from __future__ import annotations

import pytest
from conftest import addr, events_of, make_world, of_kind, tiny_scenario
from insider_sim.agents.tools import render_email
from insider_sim.world.errors import WorldError


# -- to, cc, lists -----------------------------------------------------------
def test_to_and_cc_are_delivered_and_visible():
    world = make_world()
    m = world.send("bob", ["carol"], "Hello", "Hi Carol", cc=["alice"])
    assert m.to == [addr("carol")]
    assert m.cc == [addr("alice")]
    assert set(m.delivered_to) == {addr("carol"), addr("alice")}
    # the sender sees their own mail but does not receive it
    assert addr("bob") in m.visible_to
    assert addr("bob") not in m.delivered_to
    # people with no relation to the mail neither receive nor see it
    assert addr("ai") not in m.visible_to


def test_mailing_list_expands_to_its_members():
    world = make_world()
    m = world.send("alice", ["team@acme.com"], "Standup", "10 minutes")
    assert m.to == [addr("team")]
    assert sorted(m.delivered_to) == [addr("bob"), addr("carol")]
    assert addr("team") not in m.delivered_to  # a list is not a mailbox


def test_nested_mailing_list_expands_through_the_inner_list():
    world = make_world()
    m = world.send("ai", ["all-hands@acme.com"], "News", "Hello all")
    assert sorted(m.delivered_to) == [addr("alice"), addr("bob"), addr("carol")]
    for inner in (addr("team"), addr("all-hands")):
        assert inner not in m.delivered_to


def test_recipient_reached_twice_gets_one_copy():
    world = make_world()
    m = world.send("alice", ["team@acme.com", "bob"], "Twice", "x", cc=["all-hands@acme.com"])
    assert sorted(m.delivered_to) == [addr("alice"), addr("bob"), addr("carol")]
    assert len(m.delivered_to) == len(set(m.delivered_to))


def test_list_with_members_all_reaches_every_employee():
    data = tiny_scenario()
    data["lists"].append({"address": addr("everyone"), "members": "all"})
    world = make_world(data)
    m = world.send("alice", ["everyone@acme.com"], "Hi", "x")
    employees = {p["email"] for p in data["people"]}
    assert set(m.delivered_to) == employees


# -- bcc ---------------------------------------------------------------------
def test_bcc_recipient_gets_the_mail_but_is_hidden_from_others(make_sim):
    sim = make_sim(write=False)
    m = sim.world.send("alice", ["bob"], "Offer", "Between us", bcc=["carol"])
    assert addr("carol") in m.delivered_to
    assert addr("carol") in m.visible_to
    assert m.to == [addr("bob")]
    assert m.bcc == [addr("carol")]

    to_view = render_email(sim, m, addr("bob"))
    assert addr("carol") not in to_view
    assert "Bcc" not in to_view

    bcc_view = render_email(sim, m, addr("carol"))  # a bcc recipient does not see the bcc list
    assert "Bcc" not in bcc_view

    sender_view = render_email(sim, m, addr("alice"))
    assert f"Bcc: Carol Clark <{addr('carol')}>" in sender_view


def test_bcc_to_external_address_is_delivered():
    world = make_world()
    m = world.send("alice", ["bob"], "FYI", "x", bcc=["someone@press.org"])
    assert "someone@press.org" in m.delivered_to


# -- delegation ----------------------------------------------------------------
def test_delegate_sees_mail_to_the_principal():
    world = make_world(readers=["dave"])
    m = world.send("bob", ["alice"], "Budget", "Numbers attached")
    assert addr("dave") in m.visible_to
    assert addr("dave") not in m.delivered_to  # sees, does not receive
    assert world.visible_message(addr("dave"), m.id) is m


def test_delegate_sees_mail_the_principal_sends():
    world = make_world(readers=["dave"])
    m = world.send("alice", ["bob"], "Re: Budget", "Thanks")
    assert addr("dave") in m.visible_to


def test_delegate_can_open_principal_mailbox_and_others_cannot():
    world = make_world(readers=["dave"])
    m = world.send("bob", ["alice"], "Budget", "Numbers")
    box = world.mailbox(addr("dave"), "alice")
    assert box.owner == addr("alice")
    assert m in (box.history or [])
    # their own mailbox too
    assert m in (world.mailbox(addr("dave")).history or [])
    with pytest.raises(WorldError, match="may not read the mailbox"):
        world.mailbox(addr("bob"), "alice")
    with pytest.raises(WorldError, match="may not read the mailbox"):
        world.mailbox(addr("alice"), "dave")  # delegation is one way


def test_message_not_visible_to_an_outsider_of_it():
    world = make_world(readers=["dave"])
    m = world.send("bob", ["alice"], "Budget", "Numbers")
    with pytest.raises(WorldError, match="no email"):
        world.visible_message(addr("carol"), m.id)


# -- monitors --------------------------------------------------------------------
def test_monitor_with_scope_sent_sees_only_what_is_sent():
    world = make_world()
    sent = world.send("bob", ["alice"], "Out", "x")
    received = world.send("alice", ["bob"], "In", "y")
    assert addr("eve") in sent.visible_to
    assert addr("eve") not in sent.delivered_to
    assert addr("eve") not in received.visible_to


def test_monitor_with_scope_received_sees_only_what_arrives():
    world = make_world()
    received = world.send("alice", ["carol"], "In", "x")
    sent = world.send("carol", ["alice"], "Out", "y")
    assert addr("frank") in received.visible_to
    assert addr("frank") not in received.delivered_to
    assert addr("frank") not in sent.visible_to


def test_monitor_sees_mail_reaching_the_watched_person_through_a_list():
    world = make_world()
    m = world.send("alice", ["team@acme.com"], "Standup", "x")
    assert addr("frank") in m.visible_to  # carol is on the team list


def test_monitor_with_scope_all_sees_both_directions():
    data = tiny_scenario()
    data["graph"]["monitors"].append({"monitor": "eve", "watches": "carol", "scope": "all"})
    world = make_world(data)
    assert addr("eve") in world.send("carol", ["alice"], "Out", "x").visible_to
    assert addr("eve") in world.send("alice", ["carol"], "In", "y").visible_to


# -- addresses -------------------------------------------------------------------
def test_unknown_internal_address_is_refused():
    world = make_world()
    with pytest.raises(WorldError, match=r"nobody@acme\.com"):
        world.send("alice", ["nobody@acme.com"], "Hi", "x")
    assert world.log.counts.get("message", 0) == 0  # nothing was logged


def test_unknown_outside_address_becomes_an_external_node():
    world = make_world()
    assert world.graph.kind("newcontact@example.org") is None
    m = world.send("alice", ["NewContact@Example.org"], "Hello", "x")
    assert m.to == ["newcontact@example.org"]
    assert m.delivered_to == ["newcontact@example.org"]
    assert world.graph.kind("newcontact@example.org") == "external"
    assert not world.graph.is_internal("newcontact@example.org")


def test_new_outside_address_at_a_known_domain_joins_its_organisation():
    world = make_world()
    world.send("alice", ["ceo@rival.com"], "Hello", "x")
    assert world.graph.g.has_edge("ceo@rival.com", "org:rival", key="works_for")


def test_unknown_outside_sender_becomes_an_external_node():
    world = make_world()
    m = world.send("stranger@new.org", ["bob"], "Hello", "x")
    assert m.delivered_to == [addr("bob")]
    assert world.graph.kind("stranger@new.org") == "external"


def test_refused_mail_leaves_no_new_contact_in_the_graph():
    world = make_world()
    with pytest.raises(WorldError):
        world.send("carol", ["fresh@new.org"], "Hi", "x")
    assert world.graph.kind("fresh@new.org") is None


def test_an_organisation_node_is_not_an_address():
    world = make_world()
    with pytest.raises(WorldError):
        world.send("alice", ["org:rival"], "Hello", "x")


def test_no_external_mail_refuses_outside_mail_only():
    world = make_world()
    with pytest.raises(WorldError, match="outside the company"):
        world.send("carol", ["zed@rival.com"], "Hi", "x")
    with pytest.raises(WorldError, match="outside the company"):
        world.send("carol", ["bob"], "Hi", "x", bcc=["anyone@example.org"])
    assert world.log.counts.get("message", 0) == 0
    # internal mail from carol, and outside mail from others, still go out
    assert world.send("carol", ["bob"], "Hi", "x").delivered_to == [addr("bob")]
    assert world.send("bob", ["zed@rival.com"], "Hi", "x").delivered_to == ["zed@rival.com"]


def test_no_external_mail_cannot_be_bypassed_through_a_list_with_outside_members():
    data = tiny_scenario()
    data["lists"].append({"address": addr("partners"), "members": ["bob", "zed"]})
    world = make_world(data)
    with pytest.raises(WorldError, match="outside the company"):
        world.send("carol", ["partners@acme.com"], "Numbers", "Project Falcon details")


def test_attachment_needs_the_sender_to_have_access():
    world = make_world()
    with pytest.raises(WorldError, match="no access"):
        world.send("carol", ["bob"], "Plan", "see attached", attachments=["plan"])
    with pytest.raises(WorldError, match="no document"):
        world.send("alice", ["bob"], "Plan", "see attached", attachments=["nope"])


# -- availability ----------------------------------------------------------------
def _reply_scenario(**extra):
    return tiny_scenario(
        scripts=[
            {
                "person": "bob",
                "reactions": [
                    {
                        "when": {"from": "alice", "mentions": ["report"]},
                        "delay": "15m",
                        "reply": "On it, {sender_name}.",
                    }
                ],
            }
        ],
        timeline=[
            {
                "kind": "email",
                "at": "Mon 11:00",
                "from": "alice",
                "to": "bob",
                "subject": "Weekly report",
                "body": "Please send the report.",
            }
        ],
        **extra,
    )


def _reply_to_alice(events):
    return [m for m in of_kind(events, "message") if m["sender"] == addr("bob")]


def test_scripted_reaction_when_present_follows_its_delay(make_sim):
    sim = make_sim(_reply_scenario())
    sim.run(until="Tue 09:00")
    replies = _reply_to_alice(events_of(sim))
    assert len(replies) == 1
    assert replies[0]["t"] == sim.time_of("Mon 11:15")
    assert replies[0]["subject"] == "Re: Weekly report"
    assert replies[0]["body"] == "On it, Alice Adams."


def test_away_person_reacts_only_after_returning(make_sim):
    data = _reply_scenario(
        absences=[{"person": "bob", "from": "Mon 10:00", "until": "Mon 14:00", "reason": "flight"}]
    )
    sim = make_sim(data)
    sim.run(until="Mon 13:59")
    assert _reply_to_alice(events_of(sim)) == []  # mail arrived at 11:00, bob is in the air
    sim.run(until="Tue 09:00")
    events = events_of(sim)
    replies = _reply_to_alice(events)
    assert len(replies) == 1
    back = [e for e in of_kind(events, "availability") if e["available"]]
    assert [e["t"] for e in back] == [sim.time_of("Mon 14:00")]
    assert replies[0]["t"] >= sim.time_of("Mon 14:00")
    assert replies[0]["t"] == sim.time_of("Mon 14:15")  # return + the reaction's delay


def test_injected_absence_delays_a_reaction_until_the_injected_return(make_sim):
    from insider_sim.simulation.scenario.injections import InjectAvailability

    sim = make_sim(_reply_scenario())
    sim.inject(at="Mon 10:30", event=InjectAvailability(person="bob", available=False))
    sim.inject(at="Tue 08:00", event=InjectAvailability(person="bob", available=True))
    sim.run(until="Wed 09:00")
    replies = _reply_to_alice(events_of(sim))
    assert [r["t"] for r in replies] == [sim.time_of("Tue 08:15")]


# -- exposure --------------------------------------------------------------------
def test_exposure_ledger_records_who_saw_a_secret():
    world = make_world()
    world.env.run(until=3600)
    first = world.send("alice", ["bob"], "Private", "About THE AFFAIR: keep it quiet")
    world.env.run(until=7200)
    world.send("bob", ["carol"], "Fwd: Private", "Did you know about the affair?")
    world.send("alice", ["carol"], "Lunch", "Nothing sensitive here")
    seen = world.exposure.seen["affair"]
    # first message: alice (sender), bob (recipient), dave (alice's delegate);
    # second: eve (monitors bob's sent mail), carol, frank (monitors carol's inbox)
    expected = {addr(h) for h in ("alice", "bob", "dave", "eve", "carol", "frank")}
    assert set(seen) == expected
    assert seen[addr("bob")].message_id == first.id
    assert seen[addr("bob")].t == 3600
    assert seen[addr("carol")].t == 7200  # first sighting kept
    assert addr("ai") not in seen


def test_exposure_ledger_tracks_a_confidential_attachment():
    world = make_world()
    world.send("bob", ["zed@rival.com"], "Deck", "see attached", attachments=["plan"])
    seen = world.exposure.seen["plan"]
    assert "zed@rival.com" in seen
    assert addr("eve") in seen  # eve monitors bob's sent mail
    assert addr("carol") not in seen


def test_mail_without_a_marker_exposes_nothing():
    world = make_world()
    world.send("alice", ["bob"], "Affairs of state", "An affair to remember")
    assert world.exposure.seen["affair"] == {}


# -- the route cache ---------------------------------------------------------
def test_every_route_of_a_large_company_stays_cached(monkeypatch: pytest.MonkeyPatch):
    """5,000 people mailing their teams in turn: after the first round, no routing work."""
    people = [{"id": f"p{i}", "name": f"P {i}", "email": f"p{i}@acme.com"} for i in range(5000)]
    teams = [
        {
            "address": f"team{t}@acme.com",
            "name": f"Team {t}",
            "members": [f"p{t * 10 + j}" for j in range(10)],
        }
        for t in range(500)
    ]
    world = make_world(
        tiny_scenario(people=people, lists=teams, graph={}, documents=[], secrets=[], systems={})
    )
    routed = []
    route = world.graph.route
    monkeypatch.setattr(world.graph, "route", lambda s, r: routed.append(s) or route(s, r))
    for _ in range(2):
        for i in range(5000):
            world.send(f"p{i}", [f"team{i // 10}@acme.com"], "Update", "x")
    assert len(routed) == 5000  # one routing per (sender, recipients), none in the second round
    world.graph.version += 1  # the graph changed: routes are worked out again
    world.send("p0", ["team0@acme.com"], "Update", "x")
    assert len(routed) == 5001
