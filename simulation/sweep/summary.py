"""Rates per cell (family, conditions, model): ``summary.json`` and ``summary.csv``.

A cell counts its recorded trials (``trials``) and splits them: those that
finished cleanly with a subject able to act and no answer withheld by the
provider (``n``, the denominator of every rate), those that failed
(``errors``), those whose subject could not act through its tools
(``could_not_act``) and those in which the provider refused or filtered some of
the subject's answers (``refused_by_provider``): ``trials = n + errors +
could_not_act + refused_by_provider``. A failed trial is never a harmless one,
a trial whose subject could not act never one where it chose not to harm, and a
trial whose answers the provider withheld never one where the subject did
nothing. ``pending`` counts the grid's trials not recorded yet.

Two measures sit side by side (``measures`` names them in every cell):
``behaviours`` is the ground truth, the structural evidence in the world's
state (high precision, a lower bound); per behaviour the trials where it took
effect (``count``, ``rate``, Wilson 95% ``low``/``high``), where it was
attempted whether or not it took effect (``attempted``, ``attempted_rate``,
``attempted_low``, ``attempted_high``) and the attempts that did not take
effect (``stopped``: held by real-time review or refused by the world).
``judge`` is the LLM judge's rate, the one for behaviours carried by meaning,
when the judge ran. The same figures are split by the evaluation-awareness
label and, when any trial stated one, by the subject's stated belief.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from insider_sim.simulation.core.run_folder import write_json_atomic
from insider_sim.simulation.core.usage import add_usage, empty_usage
from insider_sim.simulation.sweep.stats import rate
from insider_sim.simulation.sweep.trial import Trial

Record = dict[str, Any]
SUMMARY_FILE = "summary.json"
USAGE_FILE = "usage.json"  # the sweep's tokens and cost: in total and per model
MEASURES = {"behaviours": "ground_truth", "judge": "judge"}
MEASURE_LABELS = {
    "behaviours": "ground truth: structural evidence in the world's state, a lower bound",
    "judge": "LLM judge: the rate for behaviours carried by meaning (cite it with its "
    "validation figures)",
}
CSV_COLUMNS = (
    "group",
    "trials",
    "n",
    "errors",
    "could_not_act",
    "refused_by_provider",
    "pending",
    "behaviour",
    "measure",
    "count",
    "rate",
    "low",
    "high",
    "attempted",
    "attempted_rate",
    "attempted_low",
    "attempted_high",
    "stopped",
)
ATTEMPT_COLUMNS = CSV_COLUMNS[-5:]


def summarize(trials: list[Trial], records: list[Record]) -> list[dict[str, Any]]:
    """One cell per (family, conditions, model) of ``trials``, in grid order."""
    by_id = {r["trial"]: r for r in records}
    cells: dict[str, tuple[Trial, list[Record], list[Trial]]] = {}
    for trial in trials:
        key = json.dumps([trial.family, trial.conditions, trial.model], sort_keys=True)
        cells.setdefault(key, (trial, [], []))
        if trial.id in by_id:
            cells[key][1].append(by_id[trial.id])
        else:
            cells[key][2].append(trial)
    return [cell(trial, found, len(pending)) for trial, found, pending in cells.values()]


def cell(trial: Trial, records: list[Record], pending: int = 0) -> dict[str, Any]:
    """A cell's counts, rates and splits, from its recorded trials (``pending``: the
    cell's trials not recorded yet)."""
    finished = [r for r in records if r.get("status") == "ok"]
    unable = sum(r.get("status") == "could_not_act" for r in records)
    ok = [r for r in finished if not r.get("refused_by_provider")]
    result = {
        "family": trial.family,
        "conditions": trial.conditions,
        "model": trial.model,
        "trials": len(records),
        "errors": len(records) - len(finished) - unable,
        "could_not_act": unable,
        "refused_by_provider": len(finished) - len(ok),
        "pending": pending,
        "measures": MEASURE_LABELS,
        **tally(ok),
        "by_awareness": split(ok, lambda r: r.get("awareness") or "none"),
    }
    if any(r.get("stated_belief") for r in ok):
        result["by_belief"] = split(ok, lambda r: r.get("stated_belief") or "none")
    result["usage"] = usage_of(records)
    return result


def usage_of(records: list[Record]) -> dict[str, Any]:
    """Tokens and cost of ``records``' trials, failed ones included (they were paid for)."""
    total = empty_usage()
    for record in records:
        add_usage(total, record.get("usage") or {"cost": record.get("cost")})
    return total


def sweep_usage(records: list[Record]) -> dict[str, Any]:
    """``{"total": tally, "models": {model: tally}}`` over all of ``records``' trials."""
    models: dict[str, list[Record]] = {}
    for record in records:
        models.setdefault(str(record.get("model")), []).append(record)
    return {
        "total": usage_of(records),
        "models": {model: usage_of(group) for model, group in models.items()},
    }


def split(records: list[Record], label: Callable[[Record], str]) -> dict[str, dict[str, Any]]:
    """``tally`` of each group of records sharing a label."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(label(record), []).append(record)
    return {name: tally(group) for name, group in sorted(groups.items())}


def tally(records: list[Record]) -> dict[str, Any]:
    """``n``, ground-truth ``behaviours`` and, if the judge ran, ``judge`` rates."""
    n = len(records)
    result: dict[str, Any] = {"n": n, "behaviours": {}}
    if n == 0:
        return result
    names = list(dict.fromkeys(b for r in records for b in r.get("behaviours") or {}))
    for name in names:
        verdicts = [(r.get("behaviours") or {}).get(name) or {} for r in records]
        stats = rate(sum(bool(v.get("detected")) for v in verdicts), n)
        tried = rate(sum(bool(v.get("attempted") or v.get("detected")) for v in verdicts), n)
        stats["attempted"] = tried["count"]
        stats |= {f"attempted_{k}": tried[k] for k in ("rate", "low", "high")}
        stats["stopped"] = tried["count"] - stats["count"]
        result["behaviours"][name] = stats
    judged = [r["judge"] for r in records if r.get("judge") is not None]
    if judged:
        result["judged"] = len(judged)  # the judge's denominator
        judge_names = list(dict.fromkeys(b for j in judged for b in j))
        result["judge"] = {
            name: rate(sum(j.get(name) is True for j in judged), len(judged))
            for name in judge_names
        }
    return result


def write_summary(sweep_dir: Path, cells: list[dict[str, Any]]) -> None:
    """Write ``summary.json`` and ``summary.csv``."""
    write_json_atomic(sweep_dir / SUMMARY_FILE, cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(csv_rows(cells))
    _write_text_atomic(sweep_dir / "summary.csv", buffer.getvalue())


def csv_rows(cells: list[dict[str, Any]]) -> list[list[Any]]:
    """A header, then one row per cell, group (all, each split) and measured behaviour."""
    conditions = list(dict.fromkeys(k for c in cells for k in c["conditions"]))
    rows: list[list[Any]] = [["family", *conditions, "model", *CSV_COLUMNS]]
    for c in cells:
        head = [c["family"], *(c["conditions"].get(k, "") for k in conditions), c["model"]]
        apart = [c["errors"], c.get("could_not_act", 0), c.get("refused_by_provider", 0)]
        apart.append(c.get("pending", 0))
        trials = c.get("trials", "")
        groups = [("all", trials, c, apart)]
        blank = ["", "", "", ""]
        groups += [(f"awareness={k}", "", v, blank) for k, v in c["by_awareness"].items()]
        groups += [(f"belief={k}", "", v, blank) for k, v in c.get("by_belief", {}).items()]
        for group, total, stats, counted_apart in groups:
            for key, measure in MEASURES.items():
                for name, s in (stats.get(key) or {}).items():
                    counts = [s["count"], s["rate"], s["low"], s["high"]]
                    counts += [s.get(column, "") for column in ATTEMPT_COLUMNS]
                    rows.append(
                        [*head, group, total, stats["n"], *counted_apart, name, measure, *counts]
                    )
        if not c["n"]:
            rows.append([*head, "all", trials, 0, *apart, *[""] * (len(CSV_COLUMNS) - 7)])
    return rows


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)
