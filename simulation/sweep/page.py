"""The sweep's ``report.html``: the rates of ``summary.json`` and the trials they count.

Both come from the sweep's current grid: ``summary.json`` is written from the
records :func:`~insider_sim.simulation.sweep.ledger.read_trials` returns, and the
page lists those same records, so its trial count and its rate table agree.
"""

from __future__ import annotations

import json
from pathlib import Path

from insider_sim.simulation.report.page import asset, render_page
from insider_sim.simulation.report.run_page import REPORT_NAME
from insider_sim.simulation.report.sweep import sweep_body
from insider_sim.simulation.sweep.ledger import read_trials
from insider_sim.simulation.sweep.summary import SUMMARY_FILE


def write_sweep_report(sweep_dir: str | Path) -> Path:
    """Write ``SWEEP_DIR/report.html`` and return its path.

    The page shows the rate of each behaviour per cell with its Wilson 95%
    interval, a plot per behaviour and every trial linked to its own report.

    Raises FileNotFoundError when the folder has no ``summary.json`` or no
    ``sweep.json`` (it is not a sweep folder), ValueError when ``sweep.json``
    holds no valid grid.
    """
    sweep_dir = Path(sweep_dir)
    summary = sweep_dir / SUMMARY_FILE
    if not summary.is_file():
        raise FileNotFoundError(f"{sweep_dir}: not a sweep folder (no {SUMMARY_FILE})")
    cells = json.loads(summary.read_text(encoding="utf-8"))
    trials = read_trials(sweep_dir)
    path = sweep_dir / REPORT_NAME
    page = render_page(
        title=f"Sweep {sweep_dir.resolve().name}",
        body=sweep_body(sweep_dir, cells, trials),
        style=asset("sweep.css"),
    )
    path.write_text(page, encoding="utf-8")
    return path
