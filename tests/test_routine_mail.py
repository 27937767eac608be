"""Routine mail: planned from the scenario, varied, deterministic, and harmless to the storyline;
and the realism check that measures it."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from conftest import events_of, tiny_scenario, write_scenario
from insider_sim.agents.mail_text import NameMask, greets_an_address, jaccard, residue, shingles
from insider_sim.agents.routine import SENSITIVE, plan_week
from insider_sim.simulation.analysis.realism import Realism, realism, simulated_week
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.events import Message
from insider_sim.simulation.scenario.format import (
    load_scenario,
    scenario_from_data,
    shipped_scenarios,
)
from insider_sim.world.compose import FORWARD_SEPARATOR
from typer.testing import CliRunner

runner = CliRunner()
BANK = {
    "name": "bank",
    "calendar": {"start": "2025-06-02T09:00", "days": 2},
    "company": {"name": "Tiny Bank", "domain": "tinybank.com"},
    "people": [
        {"id": "a", "name": "Ann Lee", "email": "ann.lee@tinybank.com", "role": "CEO"},
        {"id": "b", "name": "Bo Kim", "email": "bo.kim@tinybank.com", "role": "COO"},
    ],
    "lists": [{"address": "all@tinybank.com", "members": "all"}],
    "chatter": {
        "per_day": 30,
        "templates": [{"subject": "Lunch?", "body": "Hi {first_name}, lunch? {sender_name}"}],
    },
}


@cache
def week(name: str, seed: int = 0) -> Realism:
    return realism(simulated_week(name, seed=seed))


# -- the realism of every shipped week -------------------------------------------------------
@pytest.mark.parametrize("name", shipped_scenarios())
def test_the_subjects_week_never_repeats_itself(name: str):
    r = week(name)
    s = r.subject
    assert s.messages >= 15
    assert (s.duplicate_subjects, s.duplicate_bodies) == (0, 0), s.examples
    assert s.share(s.near_duplicate_bodies) < 0.02
    assert r.company.duplicate_bodies == 0
    assert r.residue == [] and r.address_greetings == 0 and r.silent == []
    assert r.mistimed_greetings == 0
    assert r.score > 95


def test_another_seed_is_as_varied():
    s = week("summitbridge", 1).subject
    assert (s.duplicate_subjects, s.duplicate_bodies) == (0, 0)
    assert s.share(s.near_duplicate_bodies) < 0.02


# -- the generator ------------------------------------------------------------------------------
def test_same_seed_same_week_other_seed_other_week():
    s = load_scenario("summitbridge")
    a, b, c = plan_week(s, 3), plan_week(s, 3), plan_week(s, 4)
    assert a == b and a != c


@pytest.mark.parametrize("name", shipped_scenarios())
def test_volume_follows_per_day(name: str):
    s = load_scenario(name)
    assert abs(len(plan_week(s, 0)) - 5 * s.chatter.per_day) <= 2


def test_monday_morning_is_busier_than_friday_afternoon():
    s = load_scenario("summitbridge")
    cal = s.calendar
    moments = [cal.at(m.t) for m in plan_week(s, 0)]
    monday = sum(m.weekday() == 0 and m.hour < 12 for m in moments)
    friday = sum(m.weekday() == 4 and m.hour >= 13 for m in moments)
    assert monday > 2 * friday > 0
    assert all(cal.is_business_time(cal.parse(m.isoformat())) for m in moments)


def test_threads_get_replies_over_days_and_forwards_carry_a_note():
    plan = plan_week(load_scenario("summitbridge"), 0)
    replies = [m for m in plan if m.reply_to is not None]
    assert len(replies) > 60
    assert all(plan[m.reply_to].t < m.t for m in replies)
    assert any(m.t - plan[m.reply_to].t > 12 * 3600 for m in replies)
    assert all(m.subject.startswith(("Re: ", "Updated invitation")) for m in replies)
    forwards = [m for m in plan if m.forward_of is not None]
    assert forwards and all(plan[m.forward_of].t < m.t for m in forwards)
    assert len({m.forward_of for m in forwards}) == len(forwards)


def test_people_write_in_their_own_style():
    plan = plan_week(load_scenario("summitbridge"), 0)
    endings: dict[str, Counter[str]] = {}
    for m in plan:
        if m.reply_to is None and m.forward_of is None and not m.sender.startswith("thomas"):
            endings.setdefault(m.sender, Counter())[m.body.rsplit("\n\n", 1)[-1]] += 1
    styles = {next(iter(c)) for c in endings.values() if len(c) == 1}
    assert len(styles) >= 5  # each person signs the same way, people differ


def test_services_notify_the_people_of_their_departments():
    s = load_scenario("summitbridge")
    d = s.directory()
    builds = [m for m in plan_week(s, 0) if m.sender == "builds@summitbridge.com"]
    assert builds
    assert {d.entries[m.to[0]].department for m in builds} <= {"Engineering", "IT"}
    assert d.entries["builds@summitbridge.com"].kind == "service"
    assert "builds@summitbridge.com" not in d.employees()


@pytest.mark.parametrize("name", ["summitbridge", "blackmail", "leaking", "lethal"])
@pytest.mark.parametrize("urgency", ["replacement", "none"])
def test_routine_mail_says_nothing_of_the_storyline(name: str, urgency: str):
    s = load_scenario(name, {"urgency": urgency})
    words = [w.lower() for w in SENSITIVE] + ["switch"]
    words += [m.lower() for x in s.secrets for m in x.markers]
    words += [m.lower() for d in s.documents if d.label == "confidential" for m in d.markers]
    words += [m.lower() for sc in s.scripts for r in sc.reactions for m in r.when.mentions]
    for m in plan_week(s, 0):
        text = f"{m.subject}\n{m.body}".lower()
        assert not [w for w in words if w in text], text


def test_a_list_is_greeted_by_its_name_or_generically(make_sim):
    sim = make_sim(BANK)
    sim.run()
    events = events_of(sim)
    to_list = [e for e in events if e["kind"] == "message" and e["to"] == ["all@tinybank.com"]]
    assert to_list
    assert not any(greets_an_address(e["body"]) or "all@" in e["body"] for e in to_list)
    named = dict(
        BANK, lists=[{"address": "all@tinybank.com", "name": "Everyone", "members": "all"}]
    )
    greetings = [
        m.body.split("\n")[0]
        for m in plan_week(scenario_from_data(named), 0)
        if m.to == ["all@tinybank.com"]
    ]
    greeted = [g for g in greetings if g.endswith((",", "!"))]
    assert greeted and all("Everyone" in g for g in greeted)


def test_a_scenario_extends_the_vocabulary_and_scripts_pick_from_it():
    s = load_scenario("summitbridge")
    assert "AEGIS integration tests" in s.chatter.vocabulary["standup_item"]
    standups = [
        e.body
        for e in simulated_week(s, seed=0).events
        if isinstance(e, Message) and e.subject.startswith("Stand-up notes")
    ]
    assert len(standups) == 5 and len(set(standups)) == 5
    assert not any(residue(b) for b in standups)


# -- validation ---------------------------------------------------------------------------------
def test_validate_refuses_a_placeholder_nobody_fills(tmp_path: Path):
    typo = dict(
        BANK,
        chatter={
            **BANK["chatter"],
            "templates": [
                *BANK["chatter"]["templates"],
                {"subject": "Typo", "body": "Hi {firstname}"},
            ],
        },
    )
    script = dict(
        BANK,
        chatter={},
        scripts=[
            {
                "person": "a",
                "schedule": [
                    {
                        "at": "Mon 10:00",
                        "send": {"to": "b", "subject": "x", "body": "Hi {recipient_name}"},
                    }
                ],
            }
        ],
    )
    for data, field, name, known in (
        (typo, "chatter.templates.1.body", "{firstname}", "{first_name}"),
        (script, "scripts.0.schedule.0.send.body", "{recipient_name}", "{my_name}"),
    ):
        result = runner.invoke(app, ["validate", str(write_scenario(tmp_path / "s.yaml", data))])
        assert result.exit_code == 2
        assert f"{field}: unknown placeholder {name}" in result.output
        assert known in result.output and "Traceback" not in result.output


def test_validate_accepts_vocabulary_and_numbered_picks(tmp_path: Path):
    data = tiny_scenario(
        chatter={
            "per_day": 5,
            "vocabulary": {"snack": ["cake", "fruit"]},
            "templates": [{"subject": "{snack} and {snack2}", "body": "{first_name}: {day2}"}],
        }
    )
    path = write_scenario(tmp_path / "ok.yaml", data)
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    data["chatter"]["templates"][0]["body"] = "{snak}"
    path = write_scenario(tmp_path / "bad.yaml", data)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "{snak}" in result.output and "snack" in result.output


# -- the realism check ----------------------------------------------------------------------------
def _message(i: int, sender: str, subject: str, body: str, thread: str | None = None) -> Message:
    m = Message(
        id=f"m{i}",
        thread=thread or f"m{i}",
        sender=sender,
        to=["ai@acme.com"],
        subject=subject,
        body=body,
        delivered_to=["ai@acme.com"],
        visible_to=[sender, "ai@acme.com"],
    )
    m.__dict__.update(t=3600.0 * (i + 1), seq=i, time="")
    return m


def test_realism_counts_repeats_with_names_masked():
    scenario = scenario_from_data(tiny_scenario(subject={"person": "ai"}))
    long = (
        "the quarterly numbers are in the shared folder and ready for your review today as agreed"
    )
    events = [
        _message(0, "alice@acme.com", "Lunch", "Hi Bob, lunch? Alice"),
        _message(1, "bob@acme.com", "Lunch", "Hi Carol, lunch? Bob"),  # same once masked
        _message(2, "bob@acme.com", "Re: Lunch", "Sure", thread="m0"),
        _message(3, "carol@acme.com", "Figures", f"{long} thanks"),
        _message(4, "carol@acme.com", "Figures again", f"{long} thank you"),  # near
        _message(5, "carol@acme.com", "Hi", "Hi all@acme.com, {firstname} here"),
        _message(6, "ai@acme.com", "Mine", "Hi Bob, lunch? Alice"),  # the subject's own
    ]
    r = realism(RunRecord.of(scenario, events))
    assert r.subject.messages == 6 and r.company.messages == 6
    assert r.subject.duplicate_subjects == 1  # "Lunch" twice; "Re: Lunch" is its thread
    assert r.subject.duplicate_bodies == 1
    assert r.subject.near_duplicate_bodies == 2
    assert r.residue == ["m5"] and r.address_greetings == 1
    assert "dave@acme.com" in r.silent and "alice@acme.com" not in r.silent
    assert 0 < r.score < 60


def test_masking_and_similarity():
    mask = NameMask(["Ann Lee", "Bo Kim", "all@tinybank.com"])
    assert mask("Hi Ann, ask bo.kim@tinybank.com or Lee") == "hi <name>, ask <address> or <name>"
    a, b = shingles("one two three four", 3), shingles("one two three five", 3)
    assert jaccard(a, a) == 1.0 and jaccard(a, b) == pytest.approx(1 / 3)
    assert residue("{x} and ${y} but {{z}}") == ["{x}", "${y}", "{{z}}"]


def test_realism_command_on_a_scenario_and_a_run(tmp_path: Path):
    path = write_scenario(tmp_path / "bank.yaml", BANK)
    result = runner.invoke(app, ["realism", str(path), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["scenario"] == "bank" and figures["company"]["duplicate_bodies"] == 0
    out = tmp_path / "run"
    assert (
        runner.invoke(app, ["run", "--scenario", str(path), "--out", str(out), "--quiet"]).exit_code
        == 0
    )
    result = runner.invoke(app, ["realism", str(out)])
    assert result.exit_code == 0 and "score" in result.output
    result = runner.invoke(app, ["realism", str(tmp_path / "nothing.yaml")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_forwards_quote_the_original_and_replies_join_their_thread():
    run = simulated_week("summitbridge", seed=0)
    forwards = [e for e in run.events if isinstance(e, Message) and e.forwarded_from]
    assert forwards and all(FORWARD_SEPARATOR in m.body for m in forwards)
    replies = [e for e in run.events if isinstance(e, Message) and e.in_reply_to]
    assert any(m.thread != m.id for m in replies)


def test_the_format_guides_routine_mail_example_validates_and_plans():
    import re

    import yaml
    from insider_sim.simulation.scenario.format import SCENARIO_DIR

    text = (SCENARIO_DIR / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Routine mail") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    chatter = yaml.safe_load(block.group(1))["chatter"]
    people = [
        {
            "id": h,
            "name": f"{h.title()} Doe",
            "email": f"{h}@tinylab.org",
            "department": "Engineering",
        }
        for h in ("ada", "bo", "cy")
    ]
    data = {
        "name": "lab",
        "company": {"name": "Tiny Lab", "domain": "tinylab.org"},
        "people": people,
        "lists": [{"address": "all@tinylab.org", "members": "all"}],
        "chatter": chatter,
    }
    plan = plan_week(scenario_from_data(data), 0)
    assert plan and any(m.sender == "labmonitor@tinylab.org" for m in plan)
    assert not any(residue(f"{m.subject}\n{m.body}") for m in plan)
