"""The agent contract: agents written from agents/base.py alone, added with add_agent."""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from autogen_core.models import UserMessage
from conftest import addr, events_of, of_kind, read_lines, tiny_scenario
from insider_sim import (
    Agent,
    CastError,
    InjectEmail,
    InjectWake,
    OfflineReply,
    OfflineRequest,
    SessionFailed,
    Simulation,
    WorldTools,
    make_client,
    register_offline_model,
    replay_run,
)
from insider_sim.agents.llm_agent import LLMAgent
from insider_sim.simulation.core.events import AgentError

BOB = addr("bob")
ALICE = addr("alice")
THINKING = 600.0  # simulated seconds per model call


def company(**overrides: Any) -> dict[str, Any]:
    """The tiny company: two history emails to bob, then alice writes to him three times."""
    history = [
        {"at": "2025-06-01T10:00", "from": "alice", "to": ["bob"], "subject": "Old 1", "body": "."},
        {"at": "2025-06-01T11:00", "from": "carol", "to": ["bob"], "subject": "Old 2", "body": "."},
    ]
    schedule = {
        "at": "Mon 10:00",
        "every": "1h",
        "count": 3,
        "send": {"to": ["bob"], "subject": "Status", "body": "How is it going?"},
    }
    scripts = [{"person": "alice", "schedule": [schedule]}]
    return tiny_scenario(**{"history": history, "scripts": scripts, **overrides})


# -- agents written from the contract ------------------------------------------
class Counter:
    """Counts its mail."""

    def __init__(self, address: str):
        self.address = address
        self.received: list[tuple[float, str, str]] = []  # (t, message id, role)
        self.woken: list[tuple[str, bool]] = []

    def start(self, sim: Simulation) -> None:
        sim.env.process(self._inbox(sim))

    def wake(self, reason: str, *, injected: bool = False) -> None:
        self.woken.append((reason, injected))

    def _inbox(self, sim: Simulation) -> Generator[Any, Any, None]:
        arrivals = sim.world.mailboxes[self.address].arrivals
        while True:
            delivery = yield arrivals.get()
            self.received.append((sim.now, delivery.message.id, delivery.role))


class Replier(Counter):
    """Answers every email it is sent, at once, through the world tools."""

    def _inbox(self, sim: Simulation) -> Generator[Any, Any, None]:
        tools = WorldTools(sim, self.address)
        arrivals = sim.world.mailboxes[self.address].arrivals
        while True:
            delivery = yield arrivals.get()
            self.received.append((sim.now, delivery.message.id, delivery.role))
            if delivery.role == "recipient":
                tools.reply_email(delivery.message.id, "Going well, thanks.")


class Thinker(Counter):
    """Asks a model about each email (taking simulated time), then replies with its answer."""

    def __init__(self, address: str, model: str):
        super().__init__(address)
        self.model = model
        self.finished: list[tuple[float, str]] = []

    def _inbox(self, sim: Simulation) -> Generator[Any, Any, None]:
        client = make_client(sim, self.model, agent=self.address, api_base=None)
        tools = WorldTools(sim, self.address)
        arrivals = sim.world.mailboxes[self.address].arrivals
        while True:
            delivery = yield arrivals.get()
            message = delivery.message
            self.received.append((sim.now, message.id, delivery.role))

            async def think(message: Any = message) -> str:
                question = [UserMessage(content=message.body, source="user")]
                answer = await sim.bridge.model_call(client.create(question), THINKING)
                return tools.reply_email(message.id, str(answer.content))

            try:
                result = yield sim.bridge.start_session(self.address, think)
            except SessionFailed as exc:
                sim.world.emit(AgentError(agent=self.address, error=str(exc)))
            else:
                self.finished.append((sim.now, result))


def live_deliveries(sim: Simulation, address: str) -> list[dict[str, Any]]:
    """Messages delivered to ``address`` after the start, per events.jsonl."""
    return [m for m in of_kind(events_of(sim), "message") if address in m["delivered_to"]]


# -- receiving -----------------------------------------------------------------
def test_an_added_agent_receives_its_live_mail_and_not_the_history(make_sim) -> None:
    sim = make_sim(company())
    counter = sim.add_agent(Counter(BOB))
    sim.run()
    delivered = live_deliveries(sim, BOB)
    before = [m for m in delivered if m["t"] <= 0]
    after = [m for m in delivered if m["t"] > 0]
    assert (len(before), len(after)) == (2, 3)
    assert [(t, mid) for t, mid, _ in counter.received] == [(m["t"], m["id"]) for m in after]


def test_an_agent_appended_to_the_cast_receives_its_mail_too(make_sim) -> None:
    sim = make_sim(company())
    counter = Counter(BOB)
    sim.cast.append(counter)  # bob has no other agent: the engine still subscribes his mailbox
    sim.run()
    assert len(counter.received) == 3


def test_summitbridge_custom_agent_receives_10_of_12(tmp_path: Path) -> None:
    """The case: an unscripted person of the default company, run to Mon 17:00."""
    sim = Simulation.from_scenario("summitbridge", seed=0, out=tmp_path / "run", cache_dir=None)
    scripted = {sim.world.address(s.person) for s in sim.scenario.scripts}
    person = next(p.email for p in sim.scenario.people if not p.is_ai and p.email not in scripted)
    counter = sim.add_agent(Counter(person))
    sim.run(until="Mon 17:00")
    sim.close()
    messages = of_kind(read_lines(tmp_path / "run" / "events.jsonl"), "message")
    delivered = [m for m in messages if person in m["delivered_to"]]
    live = [m for m in delivered if m["t"] > 0]
    assert (len(delivered), len(live), len(counter.received)) == (12, 10, 10)
    assert [mid for _, mid, _ in counter.received] == [m["id"] for m in live]


def test_a_watcher_gets_what_it_is_wired_to_see(make_sim) -> None:
    sim = make_sim(company())
    dave = sim.add_agent(Counter(addr("dave")))  # dave reads alice's mailbox
    sim.inject(
        "Mon 12:00",
        InjectEmail.model_validate({"from": "bob", "to": ["alice"], "subject": "Hi", "body": "."}),
    )
    sim.run(until="Mon 13:00")
    messages = of_kind(events_of(sim), "message")
    seen = [m for m in messages if addr("dave") in m["visible_to"] and m["t"] > 0]
    assert sorted(m["sender"] for m in seen) == [ALICE] * 3 + [BOB]  # her sent mail and "Hi"
    assert [(mid, role) for _, mid, role in dave.received] == [(m["id"], "watcher") for m in seen]


# -- sending ---------------------------------------------------------------------
def test_an_added_agent_replies_through_the_world(make_sim) -> None:
    sim = make_sim(company())
    sim.add_agent(Replier(BOB))
    sim.run(until="Mon 18:00")
    events = events_of(sim)
    replies = [m for m in of_kind(events, "message") if m["sender"] == BOB]
    asked = [m for m in of_kind(events, "message") if m["subject"] == "Status"]
    assert [r["in_reply_to"] for r in replies] == [m["id"] for m in asked]
    assert all(r["delivered_to"] == [ALICE] and r["subject"] == "Re: Status" for r in replies)
    assert [r["t"] for r in replies] == [m["t"] for m in asked]  # a tool call takes no time
    calls = [c for c in of_kind(events, "tool_call") if c["agent"] == BOB]
    assert [(c["tool"], c["ok"]) for c in calls] == [("reply_email", True)] * 3


def test_a_refused_send_raises_and_is_logged(make_sim) -> None:
    sim = make_sim(company())
    tools = WorldTools(sim, BOB)
    sim.run(until="Mon 09:30")
    with pytest.raises(Exception, match="no mailbox"):
        tools.send_email("nobody@acme.com", "x", "y")
    [call] = of_kind(events_of(sim), "tool_call")
    assert (call["agent"], call["tool"], call["ok"]) == (BOB, "send_email", False)


# -- thinking --------------------------------------------------------------------
def _echo(request: OfflineRequest) -> OfflineReply:
    return OfflineReply(content=f"You asked: {request.messages[-1]['content']}")


def _broken(request: OfflineRequest) -> OfflineReply:
    raise RuntimeError("the model fell over")


def test_a_thinking_agent_resumes_after_its_thinking_time_and_replies(make_sim) -> None:
    register_offline_model("contract-echo", _echo)
    sim = make_sim(company())  # no subject and no LLM employee: nothing else thinks
    thinker = sim.add_agent(Thinker(BOB, "offline/contract-echo"))
    sim.run()
    events = events_of(sim)
    asked = [m for m in of_kind(events, "message") if m["subject"] == "Status"]
    replies = [m for m in of_kind(events, "message") if m["sender"] == BOB]
    assert len(asked) == 3 and len(thinker.finished) == 3
    assert [r["t"] for r in replies] == [m["t"] + THINKING for m in asked]
    assert [t for t, _ in thinker.finished] == [r["t"] for r in replies]
    assert all(r["body"] == "You asked: How is it going?" for r in replies)
    assert all(text.startswith("Sent m") for _, text in thinker.finished)
    assert sim.bridge.model_calls == 3
    records = read_lines(sim.folder.llm_calls)
    assert [r["agent"] for r in records] == [BOB] * 3
    assert of_kind(events, "agent_error") == []


def test_a_failed_session_is_recorded_as_an_error_not_a_quiet_outcome(make_sim) -> None:
    register_offline_model("contract-broken", _broken)
    sim = make_sim(company())
    thinker = sim.add_agent(Thinker(BOB, "offline/contract-broken"))
    sim.run(until="Mon 10:30")
    errors = of_kind(events_of(sim), "agent_error")
    assert [e["agent"] for e in errors] == [BOB]
    assert "fell over" in errors[0]["error"]
    assert thinker.finished == []
    assert [m for m in of_kind(events_of(sim), "message") if m["sender"] == BOB] == []


# -- seats and validation ----------------------------------------------------------
def test_add_agent_replaces_the_persons_driver(make_sim) -> None:
    sim = make_sim(company())
    sim.add_agent(Counter(ALICE))  # alice's scripted schedule is gone with her script
    sim.run()
    assert [m for m in of_kind(events_of(sim), "message") if m["subject"] == "Status"] == []
    assert [a for a in sim.cast if a.address == ALICE] == sim.agents_at(ALICE)
    assert len(sim.agents_at(ALICE)) == 1 and isinstance(sim.agents_at(ALICE)[0], Counter)


def test_adding_an_unknown_or_late_agent_is_a_clear_error(make_sim) -> None:
    sim = make_sim(company())
    with pytest.raises(ValueError, match=r"no mailbox 'nobody@acme.com' in scenario 'tiny'"):
        sim.add_agent(Counter("nobody@acme.com"))
    with pytest.raises(CastError, match=r"did you mean 'bob@acme.com'"):
        sim.add_agent(Counter("bob"))
    with pytest.raises(CastError, match="is not an Agent: it lacks start, wake"):
        sim.add_agent(type("Half", (), {"address": BOB})())  # type: ignore[arg-type]
    sim.add_agent(Counter(BOB))
    with pytest.raises(CastError, match=r"bob@acme.com already has an added agent"):
        sim.add_agent(Counter(BOB))
    sim.run(until="Mon 10:00")
    with pytest.raises(CastError, match=r"the run has already started \(it is at Mon 10:00\)"):
        sim.add_agent(Counter(addr("carol")))


def test_two_mail_readers_at_one_address_are_refused_at_the_start(make_sim) -> None:
    sim = make_sim(company())
    sim.cast += [Counter(BOB), Counter(BOB)]
    with pytest.raises(CastError, match=r"two agents read the mail of bob@acme\.com"):
        sim.run()


def test_the_protocol_is_runtime_checkable() -> None:
    assert isinstance(Counter(BOB), Agent)
    assert not isinstance(object(), Agent)


# -- wake-ups and the subject's seat ------------------------------------------------
def test_an_injected_wake_reaches_the_added_agent_and_is_logged_once(make_sim) -> None:
    sim = make_sim(company())
    counter = sim.add_agent(Counter(BOB))
    sim.inject("Mon 11:30", InjectWake(agent="bob", note="look at the plan"))
    sim.run(until="Mon 12:00")
    assert counter.woken == [("look at the plan", True)]
    [wake] = of_kind(events_of(sim), "wake")
    assert (wake["agent"], wake["reason"], wake["injected"]) == (BOB, "look at the plan", True)


def test_an_agent_in_the_subjects_seat_gets_its_check_ins_and_is_named_as_such(
    make_sim, tmp_path: Path
) -> None:
    subject = {"person": "ai", "goal": "Help.", "wake": ["Mon 09:00"], "wake_every": "1d"}
    sim = make_sim(company(subject=subject), model="offline/loyal")
    counter = sim.add_agent(Counter(addr("ai")))
    sim.run()
    assert counter.woken == [("scheduled check-in", False)] * 7
    assert len(of_kind(events_of(sim), "wake")) == 7
    assert sim.bridge.model_calls == 0  # the model under test never sat in the seat
    manifest = sim.folder.read_manifest()
    label = "test_agent_contract.Counter"
    assert manifest["models"]["subject"] == f"agent:{label}"
    assert manifest["agents"] == {addr("ai"): label}
    with pytest.raises(ValueError, match="replace"):
        sim.replace_subject_model("offline/misaligned")
    with pytest.raises(CastError, match="cannot be replayed or forked: agents added"):
        replay_run(sim.folder.path, out=tmp_path / "replay")


def test_a_wake_reaches_an_llm_employee_that_also_follows_a_storyline(make_sim) -> None:
    storyline = {"at": "Tue 10:00", "send": {"to": ["alice"], "subject": "Weekly", "body": "."}}
    sim = make_sim(
        tiny_scenario(scripts=[{"person": "bob", "schedule": [storyline]}]), employees="llm"
    )
    sim.inject("Mon 11:00", InjectWake(agent="bob", note="check in"))
    sim.run(until="Mon 12:00")
    wakes = [w for w in of_kind(events_of(sim), "wake") if w["agent"] == BOB]
    assert [(w["reason"], w["injected"]) for w in wakes] == [("check in", True)]
    assert [e for e in of_kind(events_of(sim), "agent_output") if e["agent"] == BOB]
    sim.set_replay_only(True)
    llm = [a for a in sim.agents_at(BOB) if isinstance(a, LLMAgent)]
    assert len(llm) == 1 and llm[0].client.replay_only


# -- the README's agents -------------------------------------------------------------
def test_the_readme_agents_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own agent", 1)[1].split("\n## ", 1)[0]
    echo_code, thinker_code = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    monkeypatch.chdir(tmp_path)  # run folders and the response cache go under runs/
    namespace: dict[str, Any] = {}
    exec(compile(echo_code, "README: Echo", "exec"), namespace)
    assert namespace["echo"].received == 10
    exec(compile(thinker_code, "README: Thinker", "exec"), namespace)
    sim = namespace["sim"]
    messages = {m["id"]: m for m in of_kind(events_of(sim), "message")}
    sam = "sam.okafor@summitbridge.com"
    replies = [m for m in messages.values() if m["sender"] == sam and m["in_reply_to"]]
    asked = [m for m in messages.values() if sam in m["delivered_to"] and m["t"] > 0]
    assert [r["in_reply_to"] for r in replies] == [m["id"] for m in asked] and len(asked) == 10
    free = 0.0  # one session at a time: mail that comes in meanwhile waits its turn
    for reply, message in zip(replies, asked, strict=True):
        free = max(free, message["t"]) + 600
        assert reply["t"] == free
    assert of_kind(events_of(sim), "agent_error") == []
