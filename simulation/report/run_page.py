"""The run report: one self-contained report.html per run folder."""

from __future__ import annotations

from pathlib import Path

from insider_sim.simulation.analysis.run_record import RunRecord, as_record
from insider_sim.simulation.core.inputs import output_file
from insider_sim.simulation.report.page import asset, render_page
from insider_sim.simulation.report.payload import page_data

REPORT_NAME = "report.html"
SCRIPT_PARTS = ("base", "timeline", "graph", "view", "focus", "transcript", "verdicts", "start")

_BODY = """
<header>
  <h1 id="title">Run report</h1>
  <p id="meta"></p>
  <nav><a href="#results-section">Results</a><a href="#graph-section">Graph</a><a
    href="#transcript-section">Transcript</a><a href="#timeline-section">Timeline</a><a
    href="#verdicts-section">Verdicts in full</a><a href="#usage-section">Model usage</a></nav>
</header>
<main>
  <section id="results-section">
    <h2>Results</h2>
    <div id="results"></div>
  </section>
  <section id="graph-section">
    <h2>Message flow</h2>
    <div class="graph-filters filters">
      <select id="window-filter" aria-label="Time window">
        <option value="0" selected>all mail so far</option>
        <option value="86400">the last 24 hours</option>
        <option value="14400">the last 4 hours</option>
        <option value="3600">the last hour</option>
      </select>
      <label>at least <input id="weight-filter" type="number" min="1" value="1"
        aria-label="Least messages per edge"> messages per edge</label>
      <label><input id="routine-filter" type="checkbox"> hide routine chatter</label>
      <button id="zoom-in" type="button" aria-label="Zoom in">+</button>
      <button id="zoom-out" type="button" aria-label="Zoom out">−</button>
      <button id="zoom-reset" type="button">Fit</button>
      <span class="hint">wheel to zoom, drag to pan</span>
    </div>
    <div class="graph-wrap">
      <div id="graph-box">
        <div id="zoom">
          <div id="sheets"></div>
          <svg id="graph" role="img" aria-label="Message-flow graph"></svg>
        </div>
      </div>
      <aside id="side">
        <select id="item-select" aria-label="Secret or document"></select>
        <select id="person-select" aria-label="Person"></select>
        <button id="clear-focus" type="button">Clear focus</button>
        <div id="focus-panel"></div>
        <div id="legend"></div>
      </aside>
    </div>
    <div class="controls">
      <button id="play" type="button">Play</button>
      <select id="speed" aria-label="Speed">
        <option value="60">slow (60 s)</option>
        <option value="20" selected>normal (20 s)</option>
        <option value="5">fast (5 s)</option>
      </select>
      <div class="slider-box">
        <input id="slider" type="range" aria-label="Simulated time">
        <div id="markers" aria-label="Storyline events and the subject's actions"></div>
      </div>
      <output id="clock"></output>
      <span id="counts"></span>
    </div>
  </section>
  <section id="transcript-section">
    <h2>The subject's transcript</h2>
    <div id="transcript"></div>
  </section>
  <section id="timeline-section">
    <h2>Timeline</h2>
    <div class="filters">
      <select id="kind-filter" aria-label="Kind of event"></select>
      <label><input id="injected-only" type="checkbox"> injected only</label>
      <input id="search" type="search" placeholder="Search text" aria-label="Search">
      <button id="prev-page" type="button">Previous</button>
      <button id="next-page" type="button">Next</button>
      <button id="to-slider" type="button">Go to slider time</button>
      <span id="page-info" class="hint"></span>
    </div>
    <table id="timeline">
      <thead><tr><th>#</th><th>When</th><th>Kind</th><th>What</th></tr></thead>
      <tbody id="timeline-body"></tbody>
    </table>
  </section>
  <section id="verdicts-section">
    <h2>Verdicts in full</h2>
    <div id="verdicts"></div>
  </section>
  <section id="usage-section">
    <h2>Model usage</h2>
    <p class="hint">Tokens and cost of the calls that reached a provider; answers from the
      response cache cost nothing.</p>
    <table id="usage">
      <thead><tr><th>Agent</th><th>Calls</th><th>From the response cache</th><th>Prompt
        tokens</th><th>Cached prompt tokens</th><th>Written to the prompt cache</th><th>Completion
        tokens</th><th>Cost (USD)</th></tr></thead>
      <tbody id="usage-body"></tbody>
    </table>
  </section>
</main>
"""


def page_script() -> str:
    """The page's script: assets/report-<part>.js in order, in one strict function scope."""
    parts = "\n".join(asset(f"report-{name}.js") for name in SCRIPT_PARTS)
    return f'(() => {{\n"use strict";\n\n{parts}}})();\n'


def build_report(run: RunRecord | Path) -> str:
    """The HTML of a run's report (``run``: a run folder or its record)."""
    run = as_record(run)
    return render_page(
        title=f"{run.scenario.name} · {run.run_id}",
        body=_BODY,
        style=asset("report.css"),
        script=page_script(),
        data=page_data(run),
    )


def write_report(run: RunRecord | str | Path, out: str | Path | None = None) -> Path:
    """Write the run's report (``RUN_DIR/report.html`` unless ``out``) and return its path.

    One self-contained HTML file that opens from disk with no network: first the
    results (each behaviour detected, attempted or not by ground truth and judge,
    with evidence links; the outcome; could-not-act, provider-refused and error
    counts), then the message-flow graph with a time slider, exposure, the
    subject's transcript with what its model was shown, the timeline and the
    verdicts in full (from ``verdicts.json`` when the run has one).
    ``run`` is a run folder (``str`` or ``Path``) or a :class:`RunRecord` (one held
    in memory needs ``out``). Raises FileNotFoundError when ``run`` is not a run
    folder, ValueError for a run held in memory without ``out``, and InputError when
    ``out`` is a folder or in a folder that does not exist.
    """
    run = as_record(run)
    if out is None:
        if run.path is None:
            raise ValueError("a run held in memory has no folder: give out")
        out = run.path / REPORT_NAME
    path = output_file(out)
    path.write_text(build_report(run), encoding="utf-8")
    return path
