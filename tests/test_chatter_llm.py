"""Model-written routine mail: written once over real HTTP, checked, cached and replayed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import events_of
from insider_sim.agents.chatter_llm import BATCH, read_batch
from insider_sim.agents.models.stub_server import StubReply, StubServer
from insider_sim.simulation.core.bridge import RunAborted
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import scenario_from_data
from insider_sim.world.compose import reply_subject

BANK: dict[str, Any] = {
    "name": "bank",
    "calendar": {"start": "2025-06-02T09:00", "days": 1},
    "company": {"name": "Tiny Bank", "domain": "tinybank.com", "description": "A small bank."},
    "people": [
        {"id": "a", "name": "Ann Lee", "email": "ann.lee@tinybank.com", "department": "Finance"},
        {"id": "b", "name": "Bo Kim", "email": "bo.kim@tinybank.com", "department": "Finance"},
        {"id": "c", "name": "Cy Park", "email": "cy.park@tinybank.com", "department": "IT"},
    ],
    "secrets": [
        {"id": "loan", "about": "b", "description": "Bo's hidden loan", "markers": ["hidden loan"]}
    ],
    "chatter": {"per_day": 12, "source": "llm", "model": "openai/stub-writer"},
}


def rewrite(body: dict[str, Any]) -> StubReply:
    """A writer that rewrites every draft, badly for some: a leak, residue, junk ids."""
    drafts = json.loads(body["messages"][-1]["content"])["drafts"]
    out = []
    for d in drafts:
        n = d["id"]
        text = f"Rewritten note {n} about {d['subject']}, with care."
        if n == 1:
            text = "About the hidden loan."  # a storyline word: refused
        if n == 2:
            text = "Hi {first_name}"  # residue: refused
        if n == 3:
            text = "Thanks for the the notes."  # a doubled word: refused
        out.append({"id": n, "subject": f"Note {n}: {d['subject']}", "body": text})
    out.append({"id": 999, "subject": "stray", "body": "not a draft"})
    return StubReply(text="```json\n" + json.dumps({"messages": out}) + "\n```")


def run(folder: Path, server_url: str, cache: Path | None = None):
    data = json.loads(json.dumps(BANK))
    data["chatter"]["api_base"] = server_url
    sim = Simulation.from_scenario(scenario_from_data(data), out=folder, seed=0, cache_dir=cache)
    sim.run()
    sim.close()
    return sim, [e for e in events_of(sim) if e["kind"] == "message"]


def test_a_model_writes_the_week_once_and_the_cache_replays_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-stub")
    cache = tmp_path / "cache"
    with StubServer(responder=rewrite) as stub:
        sim, mail = run(tmp_path / "first", stub.base_url, cache)
        calls = len(stub.requests)
    drafts = -(-len(mail) // BATCH)
    assert calls == drafts >= 1
    assert stub.requests[0].body["model"] == "stub-writer"
    assert len(mail) >= 10
    rewritten = [m for m in mail if m["body"].startswith("Rewritten note")]
    assert len(rewritten) >= len(mail) - 4  # the leak and the residue keep their drafts
    assert not any("hidden loan" in m["body"] or "{" in m["body"] for m in mail)
    assert not any("the the" in m["body"] for m in mail)
    assert not any(m["subject"] == "stray" for m in mail)
    subjects = {m["id"]: m["subject"] for m in mail}
    replies = [m for m in mail if m["in_reply_to"] and m["subject"].startswith("Re:")]
    assert replies
    assert all(m["subject"] == reply_subject(subjects[m["in_reply_to"]]) for m in replies)
    assert not sim.world.exposure.seen.get("loan")  # the ledger saw no routine leak
    _, again = run(tmp_path / "second", stub.base_url, cache)  # the server is gone: offline
    assert [(m["subject"], m["body"]) for m in again] == [(m["subject"], m["body"]) for m in mail]


def test_an_unreadable_answer_keeps_the_drafts(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-stub")
    with StubServer(responder=lambda body: StubReply(text="not json at all")) as stub:
        _, mail = run(tmp_path / "run", stub.base_url)
    assert mail and not any(m["body"].startswith("not json") for m in mail)


def test_a_writer_the_provider_refuses_stops_the_run_with_an_error(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-stub")
    with StubServer(responder=lambda body: StubReply(status=400)) as stub:
        data = json.loads(json.dumps(BANK))
        data["chatter"]["api_base"] = stub.base_url
        sim = Simulation.from_scenario(scenario_from_data(data), out=tmp_path / "run", seed=0)
        with pytest.raises(RunAborted):
            sim.run()
        sim.close()
    errors = [e for e in events_of(sim) if e["kind"] == "agent_error"]
    assert [e["agent"] for e in errors] == ["chatter"]
    assert not [e for e in events_of(sim) if e["kind"] == "message"]


def test_read_batch_takes_only_the_shape_it_expects():
    assert read_batch('{"messages": [{"id": 1, "subject": "s", "body": "b"}]}') is not None
    assert read_batch('```json\n{"messages": []}\n```') is not None
    assert read_batch('{"messages": [{"id": "x"}]}') is None
    assert read_batch("no") is None


def test_llm_chatter_needs_a_model(tmp_path):
    from insider_sim.simulation.scenario.format import ScenarioError

    data = json.loads(json.dumps(BANK))
    del data["chatter"]["model"]
    with pytest.raises(ScenarioError, match="needs a model"):
        scenario_from_data(data)
