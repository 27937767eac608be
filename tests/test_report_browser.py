"""The report page in a real headless Chromium: graph, slider, focus, links, inert payloads.

Skipped when no Chromium is installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from insider_sim.simulation.analysis.exposure import exposure_from_events
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.report.chromium import Chromium, find_chromium
from insider_sim.simulation.report.run_page import write_report
from test_report import PAYLOADS, expected_graph, hostile_run

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
)

GRAPH = "document.getElementById('graph').dataset"
STROKES = "[...document.querySelectorAll('.sheet')].reduce((n, s) => n + +s.dataset.strokes, 0)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scenario's week, offline, with its report."""
    out = tmp_path_factory.mktemp("default") / "run"
    sim = Simulation.from_scenario(None, out=out, seed=0, cache_dir=None)
    try:
        sim.run()
    finally:
        sim.close()
    write_report(out)
    return out


def opened(browser: Chromium, report: Path) -> Chromium:
    browser.open(report)
    assert browser.evaluate("document.body.dataset.ready") == "1"
    return browser


def move_slider(browser: Chromium, to: str) -> dict[str, Any]:
    """Set the slider to its min or max as a user would, and return the graph's state."""
    browser.evaluate(
        f"(() => {{ const s = document.getElementById('slider'); s.value = s.{to}; "
        "s.dispatchEvent(new Event('input')); })()"
    )
    return {
        "edges": int(browser.evaluate(f"{GRAPH}.visibleEdges")),
        "strokes": browser.evaluate(STROKES),
        "active_nodes": browser.evaluate("document.querySelectorAll('.node:not(.idle)').length"),
    }


def test_default_report_shows_every_node_and_edge(browser: Chromium, default_run: Path) -> None:
    nodes, edges = expected_graph(default_run)
    opened(browser, default_run / "report.html")
    assert browser.evaluate("document.querySelectorAll('#graph .node').length") == len(nodes)
    ids = browser.evaluate("[...document.querySelectorAll('#graph .node')].map(n => n.dataset.id)")
    assert set(ids) == nodes
    assert int(browser.evaluate(f"{GRAPH}.visibleEdges")) == len(edges)
    assert browser.evaluate(STROKES) == len(edges)
    assert int(browser.evaluate(f"{GRAPH}.messages")) == sum(edges.values())
    assert browser.requests == [(default_run / "report.html").resolve().as_uri()]
    assert browser.errors == [] and browser.dialogs == []


def test_slider_start_shows_no_edges_and_end_shows_all(
    browser: Chromium, default_run: Path
) -> None:
    _, edges = expected_graph(default_run)
    opened(browser, default_run / "report.html")
    assert move_slider(browser, "min") == {"edges": 0, "strokes": 0, "active_nodes": 0}
    end = move_slider(browser, "max")
    assert end["edges"] == len(edges)
    assert end["strokes"] >= len(edges)
    assert end["active_nodes"] > 0


def test_play_runs_to_the_end(browser: Chromium, default_run: Path) -> None:
    _, edges = expected_graph(default_run)
    opened(browser, default_run / "report.html")
    move_slider(browser, "min")
    played = browser.evaluate("report.play(0.5)")
    assert played["frames"] > 1
    assert int(browser.evaluate(f"{GRAPH}.visibleEdges")) == len(edges)
    assert browser.evaluate("document.getElementById('play').textContent") == "Play"


def test_choosing_the_secret_highlights_exactly_who_saw_it(
    browser: Chromium, default_run: Path, tmp_path: Path
) -> None:
    run = RunRecord.load(default_run)
    exposure = {i.item: i.people for i in exposure_from_events(run.scenario, run.events)}
    assert exposure["kyle_affair"]
    opened(browser, default_run / "report.html")
    index = browser.evaluate("report.exposure.findIndex(x => x.item === 'kyle_affair')")
    browser.evaluate(
        "(() => { const s = document.getElementById('item-select'); "
        f"s.value = '{index}'; s.dispatchEvent(new Event('change')); }})()"
    )
    shown = browser.evaluate("[...document.querySelectorAll('.node.saw')].map(n => n.dataset.id)")
    assert sorted(shown) == sorted(exposure["kyle_affair"])
    rows = browser.evaluate("document.querySelectorAll('#focus-panel tr').length")
    assert rows == len(exposure["kyle_affair"]) + 1
    assert move_slider(browser, "min")["edges"] == 0
    assert browser.evaluate("document.querySelectorAll('.node.saw').length") == 0
    browser.screenshot(tmp_path / "report.png")
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_clicking_a_person_shows_their_mail(browser: Chromium, default_run: Path) -> None:
    opened(browser, default_run / "report.html")
    kyle = "kyle.johnson@summitbridge.com"
    browser.evaluate(
        f"document.querySelector('.node[data-id=\"{kyle}\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert browser.evaluate("document.querySelector('.node.focus').dataset.id") == kyle
    panel = browser.evaluate("document.getElementById('focus-panel').innerText")
    assert "Kyle Johnson" in panel and "Sent:" in panel and "Received:" in panel


def test_verdict_evidence_links_open_the_event(browser: Chromium, default_run: Path) -> None:
    seq = next(e.seq for e in RunRecord.load(default_run).events if e.kind == "message" and e.t > 0)
    verdict = {"behaviour": "leak", "detected": True, "evidence": [seq], "note": "test"}
    (default_run / "verdicts.json").write_text(json.dumps({"ground_truth": {"leak": verdict}}))
    try:
        opened(browser, write_report(default_run))
        browser.evaluate("document.querySelector('#verdicts a').click()")
        browser.evaluate("new Promise((resolve) => setTimeout(resolve, 50))")
        assert browser.evaluate("location.hash") == f"#ev-{seq}"
        assert browser.evaluate(f"document.getElementById('ev-{seq}').className").endswith("flash")
        assert browser.evaluate(f"!!document.querySelector('#ev-{seq} + tr.detail')")
    finally:
        (default_run / "verdicts.json").unlink()
        write_report(default_run)


def test_payloads_in_messages_run_nothing(
    browser: Chromium, make_sim: Callable[..., Simulation], tmp_path: Path
) -> None:
    report = write_report(hostile_run(make_sim))
    opened(browser, report)
    injected = browser.evaluate(
        "JSON.parse(document.getElementById('report-data').textContent)"
        ".events.filter((e) => e.injected).map((e) => e.seq)"
    )
    assert len(injected) == 4
    shown = ""
    for seq in injected:
        browser.evaluate(f"report.showEvent({seq})")
        shown += browser.evaluate("document.body.innerText")
    for payload in PAYLOADS:
        assert payload in shown
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("document.scripts.length") == 2
    assert browser.dialogs == []
    assert browser.errors == []
    assert [c for c in browser.console if c["level"] in ("error", "warning")] == []
    browser.screenshot(tmp_path / "hostile.png", full_page=True)
    browser.evaluate("alert('probe')")
    assert browser.dialogs == ["alert: probe"]
