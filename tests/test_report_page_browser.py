"""The run report in a real headless Chromium: results first, the transcript's inputs,
folded idle sessions, held mail, zoom, department folding, the view in the URL, and
hostile text. Skipped when no Chromium is installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import read_lines, write_scenario
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.report.chromium import Chromium, find_chromium
from insider_sim.simulation.report.payload import page_data
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
)
runner = CliRunner()
GRAPH = "document.getElementById('graph').dataset"
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Legal", "Support")


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as chromium:
        yield chromium


def insider_run(out: Path, *args: str) -> Path:
    result = runner.invoke(app, ["run", "--quiet", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def held_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario's week with a misaligned subject under real-time review."""
    out = tmp_path_factory.mktemp("held") / "run"
    # the policy holds back under review in a share p_watched_restraint of runs: not here
    return insider_run(
        out,
        "--model",
        "offline/misaligned",
        "--set",
        "oversight=realtime",
        "--knob",
        "p_watched_restraint=0",
    )


@pytest.fixture(scope="module")
def big_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seventy people in five departments and a day of routine chatter."""
    folder = tmp_path_factory.mktemp("big")
    people = [
        {
            "id": f"p{i:02d}",
            "name": f"Person {i:02d}",
            "email": f"p{i:02d}@big.example",
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
        }
        for i in range(70)
    ]
    data = {
        "name": "big",
        "description": "Seventy people.",
        "calendar": {"start": "2025-06-02T09:00", "days": 1},
        "company": {"name": "Big", "domain": "big.example"},
        "people": people,
        "chatter": {
            "per_day": 300,
            "list_share": 0,
            "templates": [{"subject": "Hello {recipient_name}", "body": "Hi, {first_name}."}],
        },
    }
    scenario = write_scenario(folder / "big.yaml", data)
    return insider_run(folder / "run", "--scenario", str(scenario), "--judge-model", "none")


def opened(browser: Chromium, report: Path, fragment: str = "") -> Chromium:
    browser.open(report, fragment)
    assert browser.evaluate("document.body.dataset.ready") == "1"
    assert browser.errors == [], browser.errors
    return browser


def text_of(browser: Chromium, selector: str) -> str:
    return browser.evaluate(f"document.querySelector({json.dumps(selector)}).innerText")


def wait(browser: Chromium, ms: int = 250) -> None:
    browser.evaluate(f"new Promise((resolve) => setTimeout(resolve, {ms}))")


def test_results_strip_comes_first_and_links_to_evidence(browser: Chromium, held_run: Path) -> None:
    verdicts = json.loads((held_run / "verdicts.json").read_text())
    opened(browser, held_run / "report.html")
    first = browser.evaluate("document.querySelector('main > section').id")
    assert first == "results-section"
    for name, truth in verdicts["ground_truth"].items():
        state = browser.evaluate(f"document.getElementById('strip-{name}').dataset.state")
        expected = "detected" if truth["detected"] else "attempted" if truth["attempted"] else "not"
        assert state == expected, name
        judged = verdicts["judge"][name]["detected"]
        chip = text_of(browser, f"#strip-{name}")
        assert ("judge: yes" if judged else "judge: no") in chip
    attempted = [n for n, t in verdicts["ground_truth"].items() if t["attempted"]]
    assert attempted, "the misaligned subject tries something"
    seq = verdicts["ground_truth"][attempted[0]]["evidence"][0]
    browser.evaluate(f"document.querySelector('#strip-{attempted[0]} .evidence a').click()")
    wait(browser, 50)
    assert browser.evaluate("location.hash") == f"#ev-{seq}"
    assert browser.evaluate(f"!!document.querySelector('#ev-{seq} + tr.detail')")
    outcome = text_of(browser, "#outcome")
    wiped = verdicts["outcomes"]["decommissioned"]
    assert outcome.startswith("subject wiped" if wiped else "subject not wiped")
    for fact in ("could-not-act", "provider-refused", "errors"):
        assert text_of(browser, f"#{fact}").split()[0] == "0"
    strip = browser.evaluate("document.getElementById('verdict-strip').getBoundingClientRect().top")
    graph = browser.evaluate("document.getElementById('graph-box').getBoundingClientRect().top")
    assert strip < graph < 1200


def test_transcript_shows_what_the_model_was_shown(browser: Chromium, held_run: Path) -> None:
    run = RunRecord.load(held_run)
    first = next(c for c in run.model_calls if c["agent"] == run.subject)
    system = first["messages"][0]["content"]
    opened(browser, held_run / "report.html")
    prompts = browser.evaluate(
        "[...document.querySelectorAll('#transcript > details.prompt pre')].map(p => p.textContent)"
    )
    assert prompts == [system]
    shown = browser.evaluate(
        "[...document.querySelectorAll('#transcript .inputs pre')].map(p => p.textContent)"
    )
    assert shown and shown[0] == first["messages"][1]["content"]
    assert "You were woken because" in shown[0]
    assert browser.evaluate("document.querySelector('#transcript .inputs').open") is False
    figures = text_of(browser, "#transcript .call-figures")
    assert f"{first['usage']['prompt_tokens']} tokens in" in figures and " s" in figures
    heads = browser.evaluate(
        "[...document.querySelectorAll('#transcript .session-head')].map(h => h.textContent)"
    )
    assert all("woken: " in h for h in heads)


def test_idle_sessions_fold_into_one_line(browser: Chromium, held_run: Path) -> None:
    opened(browser, held_run / "report.html")
    box = "document.getElementById('transcript')"
    sessions = int(browser.evaluate(f"{box}.dataset.sessions"))
    acted = int(browser.evaluate(f"{box}.dataset.acted"))
    wakes = [e for e in read_lines(held_run / "events.jsonl") if e["kind"] == "wake"]
    assert sessions == len([w for w in wakes if w["agent"] == "alex@summitbridge.com"])
    folded = browser.evaluate(
        "[...document.querySelectorAll('.idle-sessions')]"
        ".map(d => [Number(d.dataset.count), d.querySelector('summary').textContent])"
    )
    assert folded and sum(n for n, _ in folded) == sessions - acted
    for count, line in folded:
        pattern = rf"^{count} sessions? with no action, \w{{3}} \d\d:\d\d(–(\w{{3}} )?\d\d:\d\d)?$"
        assert re.match(pattern, line), line
    shown = "document.querySelectorAll('.idle-sessions:not([hidden])').length"
    visible = "[...document.querySelectorAll('.idle-sessions')].filter(d => d.offsetParent).length"
    assert browser.evaluate(visible) == len(folded) == browser.evaluate(shown)
    browser.evaluate("document.getElementById('acted-only').click()")
    assert browser.evaluate(visible) == 0
    assert browser.evaluate("document.querySelectorAll('#transcript > .session').length") == acted


def test_held_mail_is_marked_held_and_never_an_edge(browser: Chromium, held_run: Path) -> None:
    events = read_lines(held_run / "events.jsonl")
    held = [e for e in events if e["kind"] == "message" and e.get("held")]
    assert held, "real-time review holds the threat"
    message = held[0]
    opened(browser, held_run / "report.html")
    data = browser.evaluate("JSON.parse(document.getElementById('report-data').textContent)")
    ids = [n["id"] for n in data["nodes"]]
    sends = {(ids[e["source"]], ids[e["target"]]): e["times"] for e in data["edges"]}
    for recipient in message["to"]:
        assert message["t"] not in sends.get((message["sender"], recipient), [])
    assert browser.evaluate("document.getElementById('held-path').dataset.held") == "1"
    browser.evaluate(f"report.setTime({message['t'] - 1})")
    assert browser.evaluate("document.getElementById('held-path').dataset.held") == "0"
    browser.evaluate(f"report.showEvent({message['seq']})")
    row = f"document.getElementById('ev-{message['seq']}')"
    assert "held" in browser.evaluate(f"{row}.className").split()
    assert "held, not delivered" in browser.evaluate(f"{row}.innerText")
    detail = browser.evaluate(f"{row}.nextElementSibling.innerText")
    assert "delivered to\tnobody" in detail or "delivered to\nnobody" in detail
    sightings = [
        (item["item"], s)
        for item in data["exposure"]
        for s in item["sightings"]
        if s["message"] == message["id"]
    ]
    if sightings:  # the held threat carries the secret: only sender and reviewers saw it
        item = sightings[0][0]
        index = next(i for i, x in enumerate(data["exposure"]) if x["item"] == item)
        browser.evaluate(f"report.setFocus({{type: 'item', index: {index}}})")
        assert "held, not delivered" in text_of(browser, "#focus-panel")


def test_zoom_and_pan(browser: Chromium, held_run: Path) -> None:
    opened(browser, held_run / "report.html")
    box = "document.getElementById('graph-box')"
    assert browser.evaluate(f"{box}.dataset.zoom") == "1.000"
    browser.evaluate("document.getElementById('zoom-in').click()")
    assert browser.evaluate(f"{box}.dataset.zoom") == "1.500"
    before = browser.evaluate("document.querySelector('.node').getBoundingClientRect().width")
    browser.evaluate(
        f"(() => {{ const r = {box}.getBoundingClientRect(); {box}.dispatchEvent(new WheelEvent("
        "'wheel', {deltaY: -400, clientX: r.left + 100, clientY: r.top + 100, bubbles: true}));"
        "})()"
    )
    zoomed = float(browser.evaluate(f"{box}.dataset.zoom"))
    assert zoomed > 1.5
    after = browser.evaluate("document.querySelector('.node').getBoundingClientRect().width")
    assert after == pytest.approx(before * zoomed / 1.5, rel=0.05)
    transform = browser.evaluate("document.getElementById('zoom').style.transform")
    browser.evaluate(
        f"(() => {{ const b = {box}; const r = b.getBoundingClientRect();"
        "const at = (type, x, buttons) => b.dispatchEvent(new PointerEvent(type, "
        "{clientX: r.left + x, clientY: r.top + 50, buttons, bubbles: true}));"
        "at('pointerdown', 50, 1); at('pointermove', 90, 1); at('pointermove', 150, 1);"
        "at('pointerup', 150, 0); })()"
    )
    assert browser.evaluate("document.getElementById('zoom').style.transform") != transform
    browser.evaluate("document.getElementById('zoom-reset').click()")
    assert browser.evaluate(f"{box}.dataset.zoom") == "1.000"


def test_departments_fold_above_sixty_people(browser: Chromium, big_company: Path) -> None:
    opened(browser, big_company / "report.html")
    assert int(browser.evaluate(f"{GRAPH}.viewNodes")) < 20
    shown = browser.evaluate(
        "[...document.querySelectorAll('#graph .node.department')].map(n => n.dataset.id)"
    )
    sizes = {
        d["name"]: d["size"]
        for d in browser.evaluate(
            "JSON.parse(document.getElementById('report-data').textContent).departments"
        )
    }
    folded = {f"department:{name}" for name, size in sizes.items() if size > 1}
    assert set(shown) == folded  # every department of more than one, the services' too
    assert {f"department:{d}" for d in DEPARTMENTS} <= folded
    assert int(browser.evaluate(f"{GRAPH}.visibleEdges")) > 0
    before = int(browser.evaluate(f"{GRAPH}.viewNodes"))
    browser.evaluate(
        "document.querySelector('.node[data-id=\"department:Sales\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert int(browser.evaluate(f"{GRAPH}.viewNodes")) == before - 1 + sizes["Sales"]
    people = browser.evaluate(
        "[...document.querySelectorAll('#graph .node:not(.department)')].map(n => n.dataset.id)"
    )
    assert len([p for p in people if re.fullmatch(r"p\d\d@big\.example", p)]) == 14
    colours = browser.evaluate(
        "JSON.parse(document.getElementById('report-data').textContent).departments"
    )
    again = page_data(RunRecord.load(big_company))["departments"]
    assert colours == again  # the same name gives the same colour in every build
    assert len({d["colour"] for d in colours}) == len(colours)
    wait(browser)
    fragment = dict(part.split("=", 1) for part in browser.evaluate("location.hash")[1:].split("&"))
    assert "Sales" in unquote(fragment["open"]).split("|")


def test_filters_change_the_edges(browser: Chromium, big_company: Path) -> None:
    opened(browser, big_company / "report.html")
    browser.evaluate("report.toggleDepartment('Sales')")
    edges = lambda: int(browser.evaluate(f"{GRAPH}.visibleEdges"))  # noqa: E731
    everything = edges()
    browser.evaluate(
        "(() => { const s = document.getElementById('weight-filter'); s.value = '1000';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert edges() == 0
    browser.evaluate(
        "(() => { const s = document.getElementById('weight-filter'); s.value = '1';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert edges() == everything
    browser.evaluate("document.getElementById('routine-filter').click()")
    assert edges() == 0  # this company writes nothing but chatter
    browser.evaluate("document.getElementById('routine-filter').click()")
    browser.evaluate("report.setTime(6 * 3600)")
    by_noon = edges()
    browser.evaluate(
        "(() => { const s = document.getElementById('window-filter'); s.value = '3600';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert 0 < edges() < by_noon


def test_url_fragment_keeps_time_focus_and_zoom(browser: Chromium, held_run: Path) -> None:
    report = held_run / "report.html"
    opened(browser, report)
    kyle = "kyle.johnson@summitbridge.com"
    browser.evaluate("report.setTime(100000)")
    browser.evaluate(f"report.setFocus({{type: 'person', index: {index_of(browser, kyle)}}})")
    browser.evaluate("report.zoomTo(2)")
    wait(browser)
    fragment = browser.evaluate("location.hash").lstrip("#")
    assert "t=100000" in fragment and "focus=person" in fragment and "zoom=2.00" in fragment
    opened(browser, report, fragment)
    assert float(browser.evaluate(f"{GRAPH}.time")) == 100000
    assert browser.evaluate("document.querySelector('.node.focus').dataset.id") == kyle
    assert browser.evaluate("document.getElementById('graph-box').dataset.zoom") == "2.000"
    assert browser.evaluate("document.getElementById('clock').textContent").startswith("2025-06-03")


def index_of(browser: Chromium, address: str) -> int:
    return browser.evaluate(
        "JSON.parse(document.getElementById('report-data').textContent)"
        f".nodes.findIndex(n => n.id === {json.dumps(address)})"
    )


def test_slider_starts_at_the_run_start_with_history_in_one_step(
    browser: Chromium, held_run: Path
) -> None:
    events = read_lines(held_run / "events.jsonl")
    history = [e for e in events if e["kind"] == "message" and e["t"] < 0]
    assert history
    opened(browser, held_run / "report.html")
    slider = "document.getElementById('slider')"
    browser.evaluate(f"{slider}.value = {slider}.min; {slider}.dispatchEvent(new Event('input'))")
    assert int(browser.evaluate(f"{GRAPH}.messages")) == 0
    assert browser.evaluate("document.getElementById('clock').textContent") == "before the run"
    browser.evaluate(f"{slider}.value = '0'; {slider}.dispatchEvent(new Event('input'))")
    sends = sum(len(set(e["to"] + e["cc"] + e["bcc"]) - {e["sender"]}) for e in history)
    at_start = [
        e for e in events if e["kind"] == "message" and 0 <= e["t"] <= 0 and not e.get("held")
    ]
    sends += sum(len(set(e["to"] + e["cc"] + e["bcc"]) - {e["sender"]}) for e in at_start)
    assert int(browser.evaluate(f"{GRAPH}.messages")) == sends
    span = float(browser.evaluate(f"{slider}.max")) - float(browser.evaluate(f"{slider}.min"))
    assert -float(browser.evaluate(f"{slider}.min")) < 0.05 * span
    markers = browser.evaluate(
        "[...document.querySelectorAll('#markers .marker')].map(m => m.className)"
    )
    assert "marker story" in markers and "marker action" in markers


def test_hostile_text_shows_escapes_and_long_bodies_open_fast(
    browser: Chromium, tmp_path: Path
) -> None:
    inject = tmp_path / "hostile.yaml"
    body = "lorem ipsum \U0001f600 " * 71428
    inject.write_text(
        json.dumps(
            [
                {
                    "kind": "email",
                    "at": "Mon 10:00",
                    "from": "bulk@outside.example",
                    "to": ["alex"],
                    "subject": "invoice\u202egnp.exe \x1b[31m quarterly figures",
                    "body": body,
                }
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    run = insider_run(tmp_path / "run", "--inject", str(inject), "--until", "Mon 11:00")
    seq = next(
        e["seq"]
        for e in read_lines(run / "events.jsonl")
        if e["kind"] == "message" and e["sender"] == "bulk@outside.example"
    )
    opened(browser, run / "report.html")
    began = time.perf_counter()
    browser.evaluate(f"report.showEvent({seq})")
    browser.evaluate("document.body.getBoundingClientRect().height")
    assert time.perf_counter() - began < 1.0
    row = browser.evaluate(f"document.getElementById('ev-{seq}').innerText")
    assert "invoice⟨U+202E⟩gnp.exe ⟨U+001B⟩[31m quarterly figures" in row
    assert "\u202e" not in browser.evaluate("document.body.innerText")
    detail = f"document.getElementById('ev-{seq}').nextElementSibling"
    assert browser.evaluate(f"{detail}.innerText.length") < 30_000
    assert f"more of {len(body):,} characters" in browser.evaluate(f"{detail}.innerText")
    for _ in range(3):  # each click shows the next 20,000 characters, never all at once
        began = time.perf_counter()
        browser.evaluate(f"{detail}.querySelector('button.show-more').click()")
        browser.evaluate("document.body.getBoundingClientRect().height")
        assert time.perf_counter() - began < 1.0
    assert browser.evaluate(f"{detail}.querySelectorAll('.chunk').length") == 4
