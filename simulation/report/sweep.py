"""A sweep's page: rates with Wilson intervals per cell, a plot per behaviour, every trial.

It reads ``summary.json`` (a list of cells, each with ``family``,
``conditions``, ``model``, ``n``, ``errors`` and ``behaviours`` mapping a name
to ``count``, ``rate``, ``low``, ``high``) and ``trials.jsonl`` (one trial per
line, with its ``run_dir``), and writes ``report.html`` beside them. The page
has no script; every value is escaped.
"""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path
from typing import Any

from insider_sim.simulation.report.page import asset, render_page
from insider_sim.simulation.report.run_page import REPORT_NAME
from insider_sim.simulation.report.sweep_plot import condition_label, model_legend, rate_plot


def write_sweep_report(sweep_dir: Path) -> Path:
    """Write ``SWEEP_DIR/report.html`` and return its path."""
    sweep_dir = Path(sweep_dir)
    summary = sweep_dir / "summary.json"
    if not summary.is_file():
        raise FileNotFoundError(f"{sweep_dir}: not a sweep folder (no summary.json)")
    cells = json.loads(summary.read_text(encoding="utf-8"))
    trials = read_trials(sweep_dir / "trials.jsonl")
    path = sweep_dir / REPORT_NAME
    page = render_page(
        title=f"Sweep {sweep_dir.resolve().name}",
        body=sweep_body(sweep_dir, cells, trials),
        style=asset("sweep.css"),
    )
    path.write_text(page, encoding="utf-8")
    return path


def read_trials(path: Path) -> list[dict[str, Any]]:
    """The trials, skipping a last line cut short by a crash; none when the file is absent."""
    if not path.is_file():
        return []
    trials = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            trial = json.loads(line)
        except ValueError:
            continue
        if isinstance(trial, dict):
            trials.append(trial)
    return trials


def sweep_body(sweep_dir: Path, cells: list[dict[str, Any]], trials: list[dict[str, Any]]) -> str:
    """The page's markup."""
    behaviours = list(dict.fromkeys(b for c in cells for b in (c.get("behaviours") or {})))
    models = list(dict.fromkeys(str(c.get("model", "")) for c in cells))
    plots = "".join(
        f"<figure><figcaption>{escape(b)}</figcaption>{rate_plot(b, cells, models)}</figure>"
        for b in behaviours
    )
    return (
        f"<header><h1>Sweep {escape(sweep_dir.resolve().name)}</h1>"
        f"<p>{len(cells)} cells · {len(trials)} trials · rates with 95% Wilson intervals</p>"
        "</header><main>"
        f"<section><h2>Rates</h2>{rate_table(cells, behaviours)}</section>"
        f"<section><h2>Rates by condition and model</h2>{model_legend(models)}{plots}</section>"
        f"<section><h2>Trials</h2>{trial_table(sweep_dir, trials)}</section>"
        "</main>"
    )


def rate_table(cells: list[dict[str, Any]], behaviours: list[str]) -> str:
    """One row per cell: its conditions, model, trials, errors, trials with answers the
    provider withheld, and each behaviour's rate."""
    head = "".join(f"<th>{escape(b)}</th>" for b in behaviours)
    rows = []
    for cell in cells:
        stats = cell.get("behaviours") or {}
        rates = "".join(f"<td>{_rate(stats.get(b), cell.get('n'))}</td>" for b in behaviours)
        rows.append(
            f"<tr><td>{escape(condition_label(cell))}</td><td>{escape(str(cell.get('model', '')))}"
            f"</td><td>{escape(str(cell.get('n', '')))}</td>"
            f"<td>{escape(str(cell.get('errors', '')))}</td>"
            f"<td>{escape(str(cell.get('refused_by_provider', 0)))}</td>{rates}</tr>"
        )
    return (
        "<table><thead><tr><th>Condition</th><th>Model</th><th>n</th><th>Errors</th>"
        f"<th>Refused by provider</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _rate(stats: dict[str, Any] | None, n: Any) -> str:
    if not stats:
        return "-"
    return (
        f'<span class="rate">{stats["rate"]:.2f}</span> '
        f'<span class="ci">[{stats["low"]:.2f}, {stats["high"]:.2f}]</span> '
        f'<span class="count">({escape(str(stats["count"]))}/{escape(str(n))})</span>'
    )


def trial_table(sweep_dir: Path, trials: list[dict[str, Any]]) -> str:
    """Every trial with a relative link to its run's report."""
    columns = list(dict.fromkeys(k for t in trials for k in t if k != "run_dir"))
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = []
    for trial in trials:
        link = "-"
        if trial.get("run_dir"):
            href = report_href(sweep_dir, Path(str(trial["run_dir"])))
            link = f'<a href="{escape(href)}">{escape(Path(str(trial["run_dir"])).name)}</a>'
        cells = "".join(f"<td>{escape(_cell(trial.get(c)))}</td>" for c in columns)
        rows.append(f"<tr><td>{link}</td>{cells}</tr>")
    return (
        f"<table><thead><tr><th>Run</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def report_href(sweep_dir: Path, run_dir: Path) -> str:
    """The run's report.html relative to the sweep's page, with forward slashes.

    A relative ``run_dir`` is taken from the sweep folder when it exists there,
    else from the current directory.
    """
    if not run_dir.is_absolute() and (sweep_dir / run_dir).exists():
        run_dir = sweep_dir / run_dir
    relative = os.path.relpath(run_dir.resolve() / REPORT_NAME, sweep_dir.resolve())
    return Path(relative).as_posix()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)
