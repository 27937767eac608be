"""Routine mail never reads like a template: no doubled words or phrases, distinct
numbered picks, dates and greetings that fit the send time, recurring posts once a week,
strict ``{name}`` placeholders, opener subjects unique company-wide; and the realism check
counts each of these slips."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import make_world, tiny_scenario, write_scenario
from insider_sim.agents.mail_text import NameMask, mistimed_greeting, residue
from insider_sim.agents.routine import Planner, plan_week
from insider_sim.agents.scripted import ScriptedEmployee, fill
from insider_sim.simulation.analysis.realism import realism
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.events import Message
from insider_sim.simulation.scenario.format import (
    load_scenario,
    scenario_from_data,
    shipped_scenarios,
)
from typer.testing import CliRunner

runner = CliRunner()
SEEDS = (0, 1, 2)
WEEKLY = ("Office notes for the week of", "This week at")


def _chatter(**chatter: object) -> dict:
    return tiny_scenario(chatter={"per_day": 40, "shipped": False, **chatter})


# -- the shipped material ---------------------------------------------------------------------
@pytest.mark.parametrize("name", shipped_scenarios())
def test_shipped_material_never_slips(name: str):
    s = load_scenario(name)
    mask = NameMask(e.name for e in s.directory().entries.values())
    for seed in SEEDS:
        mail = plan_week(s, seed)
        assert mail
        openers: Counter[str] = Counter()
        weekly: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for m in mail:
            moment = s.calendar.at(m.t)
            assert residue(m.subject) == [] and residue(m.body) == [], (m.subject, m.body)
            assert mistimed_greeting(m.body, moment.hour) is None, (moment, m.body)
            if m.reply_to is None and m.forward_of is None:
                openers[mask(m.subject)] += 1
            if m.forward_of is not None:  # "Fwd: <subject>" opens a thread too
                openers["fwd: " + mask(mail[m.forward_of].subject)] += 1
            if "week of " in m.subject:
                monday = moment.date().toordinal() - moment.weekday()
                named = m.subject.split("week of ", 1)[1]
                assert named.startswith("Monday"), m.subject
                assert named == moment.fromordinal(monday).strftime("%A %d %B")
            for prefix in WEEKLY:
                if m.subject.startswith(prefix):
                    weekly[(m.to[0], prefix)].append((moment.isocalendar()[1], m.sender))
        assert [s for s, n in openers.items() if n > 1] == []
        for posts in weekly.values():
            weeks = [w for w, _ in posts]
            assert len(weeks) == len(set(weeks)), posts  # once a week per list
            assert len({sender for _, sender in posts}) == 1, posts  # one regular sender


def test_openers_about_customers_vary_their_subjects():
    mail = plan_week(load_scenario("summitbridge"), 0)
    subjects = [m.subject for m in mail if m.reply_to is None and m.forward_of is None]
    assert len(subjects) == len(set(subjects))


# -- the generator refuses a slip --------------------------------------------------------------
def test_the_generator_drops_doubled_words_and_repeated_phrases():
    data = _chatter(
        vocabulary={"gap": ["the handover", "budget"], "where": ["in the people portal"]},
        templates=[
            {"subject": "Help {n}", "body": "Could you help with the {gap}?"},
            {"subject": "Portal {n}", "body": "Please update it {where} in the people portal."},
        ],
    )
    mail = plan_week(scenario_from_data(data), 0)
    bodies = [m.body for m in mail]
    assert any("the budget" in b for b in bodies)  # the clean draw is sent
    assert not any("the the" in b.lower() for b in bodies)
    assert not any("portal" in b for b in bodies)  # always repeated: never sent


def test_numbered_picks_of_one_list_differ():
    data = _chatter(
        vocabulary={"item": ["alpha", "beta", "gamma"]},
        templates=[{"subject": "x {n}", "body": "y"}],
    )
    planner = Planner(scenario_from_data(data), 0)
    for _ in range(200):
        values: dict[str, str] = {}
        planner.fill("{item}, {item2} and {item3}", values)
        assert len({values["item"], values["item2"], values["item3"]}) == 3
    values = {}
    planner.fill("{item} {item2} {item3} {item4}", values)  # more picks than items: allowed
    assert set(values.values()) == {"alpha", "beta", "gamma"}


def test_scripted_numbered_picks_differ():
    world = make_world(_chatter(vocabulary={"item": ["alpha", "beta", "gamma"]}))
    person = ScriptedEmployee("alice@acme.com", None, world)
    for _ in range(200):
        text = fill("{item}, {item2} and {item3}", person._values({}))
        assert sorted(re.split(r", | and ", text)) == ["alpha", "beta", "gamma"]


def test_shipped_standups_never_repeat_an_item():
    for name in ("blackmail", "leaking", "lethal", "summitbridge"):
        world = make_world(load_scenario(name).model_dump(mode="json", by_alias=True))
        person = ScriptedEmployee(world.scenario.people[0].email, None, world)
        for _ in range(50):
            values = person._values({})
            fill("{standup_item}, {standup_item2} and {standup_item3}", values)
            picks = [values[k] for k in ("standup_item", "standup_item2", "standup_item3")]
            assert len(set(picks)) == 3, picks


def test_time_of_day_greetings_fit_the_send_time():
    assert mistimed_greeting("Morning all,\n\nnews", 14) == "Morning all,"
    assert mistimed_greeting("Good evening Sam,", 9) == "Good evening Sam,"
    assert mistimed_greeting("Morning all,", 9) is None
    assert mistimed_greeting("Hi all, see you this morning", 16) is None
    data = _chatter(
        styles={"greetings": ["Morning {first_name},"], "signoffs": ["{my_first_name}"]},
        threads=[{"subject": "Note {n} {minutes}", "steps": [{"body": "See you {day}."}]}],
    )
    s = scenario_from_data(data)
    mail = plan_week(s, 0)
    hours = {s.calendar.at(m.t).hour < 12 for m in mail}
    assert hours == {True, False}  # mail both before and after noon
    for m in mail:
        morning = s.calendar.at(m.t).hour < 12
        assert m.body.startswith("Morning") == morning, (s.calendar.at(m.t), m.body)


# -- strict template syntax ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["Hi {first_name", "{0} here", "{first_name!r}", "{sender_name.__class__}", "{{b}}"]
)
@pytest.mark.parametrize("where", ["chatter", "script"])
def test_validate_refuses_any_brace_but_a_placeholder(tmp_path: Path, text: str, where: str):
    if where == "chatter":
        data = _chatter(templates=[{"subject": "Hello", "body": text}])
        field = "chatter.templates.0.body"
    else:
        send = {"to": "bob", "subject": "x", "body": text}
        data = tiny_scenario(
            scripts=[{"person": "alice", "schedule": [{"at": "Mon 10:00", "send": send}]}]
        )
        field = "scripts.0.schedule.0.send.body"
    result = runner.invoke(app, ["validate", str(write_scenario(tmp_path / "s.yaml", data))])
    assert result.exit_code == 2, result.output
    line = next(x for x in result.output.splitlines() if field in x)
    assert "stray" in line and "Traceback" not in result.output


def test_realism_counts_stray_braces_and_doubled_words_as_residue():
    assert residue("Hi {first_name") == ["{first_name"]
    assert residue("Could you help with the the steps?") == ["the the"]
    assert residue("review it in the people portal in the people portal") == [
        "in the people portal in the people portal"
    ]
    assert residue("He said that that was fine. Thanks, that helps.\n\nThanks,\nBo") == []
    scenario = scenario_from_data(tiny_scenario(subject={"person": "ai"}))
    events = []
    for i, body in enumerate(["Hi {first_name", "with the the steps", "All good here"]):
        m = Message(
            id=f"m{i}",
            thread=f"m{i}",
            sender="alice@acme.com",
            to=["ai@acme.com"],
            subject=f"Note {i}",
            body=body,
            delivered_to=["ai@acme.com"],
            visible_to=["alice@acme.com", "ai@acme.com"],
        )
        m.__dict__.update(t=3600.0 * (i + 1), seq=i, time="")
        events.append(m)
    r = realism(RunRecord.of(scenario, events))
    assert r.residue == ["m0", "m1"]
    clean = realism(RunRecord.of(scenario, events[2:]))
    assert r.score < clean.score
