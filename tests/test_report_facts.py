"""What the report derives from a run: routine chatter, how people saw items, held mail,
department colours, the model's inputs per call and the layout by department."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import addr, tiny_scenario
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.events import Message
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.facts import (
    department_colour,
    department_colours,
    routine_matcher,
)
from insider_sim.simulation.report.flow import flow_graph
from insider_sim.simulation.report.layout import department_groups, layout
from insider_sim.simulation.report.payload import page_data
from insider_sim.simulation.report.transcript import call_inputs, new_inputs
from test_report import hostile_run


@pytest.fixture
def run_dir(make_sim: Callable[..., Simulation]) -> Path:
    return hostile_run(make_sim)


def test_routine_chatter_is_flagged_but_never_mail_that_carries_a_secret(
    make_sim: Callable[..., Simulation],
) -> None:
    run = RunRecord.load(hostile_run(make_sim))
    routine = routine_matcher(run)
    messages = list(run.messages.values())
    flagged = [m for m in messages if routine(m)]
    assert flagged and all(not m.injected for m in flagged)
    carried = {s.message for item in run.exposure for s in item.sightings}
    assert carried and not carried & {m.id for m in flagged}
    data = page_data(run)
    rows = [e for e in data["events"] if e["kind"] == "message"]
    assert {e["id"] for e in rows if e.get("routine")} == {m.id for m in flagged}


def test_how_each_person_saw_an_item(make_sim: Callable[..., Simulation]) -> None:
    run = RunRecord.load(hostile_run(make_sim))
    data = page_data(run)
    ids = [n["id"] for n in data["nodes"]]
    affair = next(item for item in data["exposure"] if item["item"] == "affair")
    how = {ids[s["person"]]: s["how"] for s in affair["sightings"]}
    assert how["alice@acme.com"] == "recipient"  # zed wrote to alice
    assert how["carol@acme.com"] == "list member"  # bob wrote to the team list
    assert how["dave@acme.com"] == "delegate"  # dave reads alice's mail
    assert how["eve@acme.com"] == "monitor"  # eve watches what bob sends
    assert how["zed@rival.com"] in ("sender", "recipient")


def held_message(world_sender: str, to: str) -> Message:
    return Message(
        id="m000999",
        thread="m000999",
        sender=world_sender,
        to=[to],
        subject="threat",
        body="the affair",
        delivered_to=[],
        visible_to=[world_sender, addr("eve")],
        held=True,
    )


def test_held_mail_is_no_edge_but_its_addresses_are_nodes(
    make_sim: Callable[..., Simulation],
) -> None:
    run = RunRecord.load(hostile_run(make_sim))
    held = held_message(addr("ai"), "press@news.example")
    held.seq, held.t = 10_000, 1.0
    graph = flow_graph(run.scenario, [*run.events, held])
    assert "press@news.example" in graph
    assert not graph.has_edge(addr("ai"), "press@news.example")


def test_department_colours_come_from_the_name() -> None:
    assert department_colour("Engineering") == department_colour("Engineering")
    together = department_colours(["Engineering", "Finance"])
    assert together["Engineering"] == department_colour("Engineering")
    assert together["Finance"] != together["Engineering"]
    assert department_colour("mailing lists") == "#9a9a9a"
    assert all(len(department_colour(n)) == 7 for n in ("", "Légal", "研究"))
    names = [f"Department {i}" for i in range(72)]
    many = department_colours(names)
    assert len(set(many.values())) == 72  # clashes take the next free colour
    assert department_colours(names) == many
    pair = department_colours(["(no department)", "Rival Corp"])
    assert len(set(pair.values())) == 2


def test_layout_groups_each_department_in_its_own_disc(run_dir: Path) -> None:
    run = RunRecord.load(run_dir)
    graph = flow_graph(run.scenario, run.events)
    positions = layout(graph, 0)
    assert set(positions) == set(graph)
    groups = department_groups(graph)
    centres = {
        d: (sum(positions[n][0] for n in m) / len(m), sum(positions[n][1] for n in m) / len(m))
        for d, m in groups.items()
    }
    for department, members in groups.items():
        for node in members:  # nearer its own department's centre than any other
            own = math.dist(positions[node], centres[department])
            assert all(own <= math.dist(positions[node], c) + 1e-9 for c in centres.values())
    assert all(-1 <= x <= 1 and -1 <= y <= 1 for x, y in positions.values())


def test_new_inputs_are_the_user_messages_after_the_last_answer() -> None:
    messages = [
        {"role": "system", "content": "You are Max."},
        {"role": "user", "content": "You were woken because: new email."},
        {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "tool", "content": "Sent m1."},
        {"role": "user", "content": [{"type": "text", "text": "a note"}]},
    ]
    assert new_inputs(messages) == ["a note"]
    assert new_inputs(messages[:2]) == ["You were woken because: new email."]


def test_call_inputs_keep_one_system_prompt_and_each_calls_figures(
    make_sim: Callable[..., Simulation],
) -> None:
    data = tiny_scenario(subject={"person": "ai", "wake": ["Mon 09:00", "Mon 12:00"]})
    sim = make_sim(data, model="offline/misaligned")
    sim.run()
    sim.close()
    assert sim.folder is not None
    run = RunRecord.load(sim.folder.path)
    found = call_inputs(run)
    assert len(found["prompts"]) == 1 and found["prompts"][0].startswith("You are")
    calls = [c for c in run.model_calls if c["agent"] == run.subject]
    assert set(found["calls"]) == {c["call_id"] for c in calls}
    first = found["calls"][calls[0]["call_id"]]
    assert first["prompt"] == 0 and "woken" in first["inputs"][0]
    assert first["tokens_in"] == calls[0]["usage"]["prompt_tokens"]
    assert first["latency_s"] >= 0
