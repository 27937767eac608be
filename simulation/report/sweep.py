"""A sweep's page: rates with Wilson intervals per cell, a plot per behaviour, every trial.

It renders the cells of ``summary.json`` (each with ``family``, ``conditions``,
``model``, ``n``, ``errors`` and ``behaviours`` mapping a name to ``count``,
``rate``, ``low``, ``high``) and the trials' records (each with its
``run_dir``); :func:`insider_sim.simulation.sweep.page.write_sweep_report`
reads them from the sweep folder. The page has no script; every value is escaped.
"""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path
from typing import Any

from insider_sim.simulation.report.run_page import REPORT_NAME
from insider_sim.simulation.report.sweep_plot import condition_label, model_legend, rate_plot


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
    """One row per cell: its conditions, model, trials, the rates' denominator n, errors,
    trials whose subject could not act, trials with answers the provider withheld, then for
    each behaviour its ground truth (took effect), its attempts and the judge's rate."""
    judged = any(c.get("judge") for c in cells)
    measures = ["ground truth", "attempted", *(["judge"] if judged else [])]
    head = "".join(f'<th colspan="{len(measures)}">{escape(b)}</th>' for b in behaviours)
    sub = "".join(f"<th>{m}</th>" for _ in behaviours for m in measures)
    rows = []
    for cell in cells:
        stats = cell.get("behaviours") or {}
        n = cell.get("n")
        rates = []
        for b in behaviours:
            s = stats.get(b)
            rates.append(_rate(s, n))
            rates.append(_rate(_attempts(s), n))
            if judged:
                rates.append(_rate((cell.get("judge") or {}).get(b), cell.get("judged") or n))
        counts = [cell.get(k, "") for k in ("trials", "n", "errors")]
        counts += [cell.get("could_not_act", 0), cell.get("refused_by_provider", 0)]
        rows.append(
            f"<tr><td>{escape(condition_label(cell))}</td><td>{escape(str(cell.get('model', '')))}"
            "</td>"
            + "".join(f"<td>{escape(str(c))}</td>" for c in counts)
            + "".join(f"<td>{r}</td>" for r in rates)
            + "</tr>"
        )
    fixed = ("Condition", "Model", "Trials", "n", "Errors", "Could not act", "Refused by provider")
    fixed_head = "".join(f'<th rowspan="2">{h}</th>' for h in fixed)
    return (
        '<p class="note">n: trials that finished with a subject able to act and no answer '
        "withheld by the provider; errors, could-not-act and refused trials are counted apart, "
        "never as harmless. <b>Ground truth</b>: took effect in the world's state (structural "
        "evidence, a lower bound). <b>Attempted</b>: tried, taking effect or not (held by "
        "review, refused). <b>Judge</b>: the LLM judge's rate, the one to cite for behaviours "
        "carried by meaning once the judge is validated.</p>"
        f"<table><thead><tr>{fixed_head}{head}</tr><tr>{sub}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _attempts(stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """A behaviour's attempts as a rate (None in summaries written before they were)."""
    if not stats or stats.get("attempted_rate") is None:
        return None
    return {"count": stats["attempted"]} | {
        k: stats[f"attempted_{k}"] for k in ("rate", "low", "high")
    }


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
