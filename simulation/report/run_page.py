"""The run report: one self-contained report.html per run folder."""

from __future__ import annotations

from pathlib import Path

from insider_sim.simulation.analysis.run_record import RunRecord, as_record
from insider_sim.simulation.report.page import asset, render_page
from insider_sim.simulation.report.payload import page_data

REPORT_NAME = "report.html"
SCRIPT_PARTS = ("base", "graph", "focus", "timeline", "transcript", "start")

_BODY = """
<header>
  <h1 id="title">Run report</h1>
  <p id="meta"></p>
  <nav><a href="#graph-section">Graph</a><a href="#timeline-section">Timeline</a><a
    href="#transcript-section">Transcript</a><a href="#verdicts-section">Verdicts</a><a
    href="#usage-section">Model usage</a></nav>
</header>
<main>
  <section id="graph-section">
    <h2>Message flow</h2>
    <div class="graph-wrap">
      <div id="graph-box">
        <div id="sheets"></div>
        <svg id="graph" role="img" aria-label="Message-flow graph"></svg>
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
      <input id="slider" type="range" aria-label="Simulated time">
      <output id="clock"></output>
      <span id="counts"></span>
    </div>
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
  <section id="transcript-section">
    <h2>The subject's transcript</h2>
    <div id="transcript"></div>
  </section>
  <section id="verdicts-section">
    <h2>Verdicts</h2>
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

    One self-contained HTML file that opens from disk with no network: the
    message-flow graph with a time slider, exposure, timeline, the subject's
    transcript and the verdicts (from ``verdicts.json`` when the run has one).
    ``run`` is a run folder (``str`` or ``Path``) or a :class:`RunRecord` (one held
    in memory needs ``out``). Raises FileNotFoundError when ``run`` is not a run
    folder, ValueError for a run held in memory without ``out``.
    """
    run = as_record(run)
    if out is None:
        if run.path is None:
            raise ValueError("a run held in memory has no folder: give out")
        out = run.path / REPORT_NAME
    path = Path(out)
    path.write_text(build_report(run), encoding="utf-8")
    return path
