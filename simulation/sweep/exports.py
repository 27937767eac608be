"""``insider export``: a run or a sweep as Inspect AI logs or Parquet tables.

A sweep folder (it has ``sweep.json``) exports its current grid's trials: one
Inspect log per model with one sample per trial, and ``trials.parquet`` with
one row per trial. A run folder exports one Inspect log with one sample, and
``events.parquet`` with one row per event. Files go to ``out`` (default: the
folder itself; Inspect logs under ``FOLDER/inspect/``, where ``inspect view
--log-dir FOLDER/inspect`` finds them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.sweep.ledger import SETTINGS_FILE, current_grid, read_trials

INSPECT_DIR = "inspect"
_TRIAL_KEYS = ("trial", "family", "model", "seed", "status", "error")


def export_inspect(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write Inspect eval logs (``.eval``) for a run or sweep folder; returns their paths.

    A sweep gives one log per model (``<model>.eval``, one sample per trial of the
    current grid); a run gives ``<run id>.eval``. ``out`` is the folder to write
    to (default ``FOLDER/inspect``). Raises ReportError (inspect_ai missing),
    FileNotFoundError (neither a run nor a sweep folder) and RunFolderError (a
    damaged run folder).
    """
    from insider_sim.simulation.report.inspect_log import error_sample, eval_sample, write_eval_log

    path = Path(folder)
    target = Path(out) if out is not None else path / INSPECT_DIR
    if not _is_sweep(path):
        run = RunRecord.load(path)
        model = str((run.manifest.get("models") or {}).get("subject") or "unknown")
        sample = eval_sample(run, sample_id=run.run_id, metadata={"model": model})
        target.mkdir(parents=True, exist_ok=True)
        task = f"insider-sim/{run.scenario.name}"
        return [
            write_eval_log([sample], target / f"{_slug(run.run_id)}.eval", task=task, model=model)
        ]
    grid = current_grid(path)
    by_model: dict[str, list[Any]] = {}
    for record in read_trials(path):
        metadata = _trial_metadata(record)
        folder_of_trial = path / str(record.get("run_dir") or "")
        if record.get("run_dir") and (folder_of_trial / "events.jsonl").is_file():
            sample = eval_sample(
                RunRecord.load(folder_of_trial), sample_id=str(record["trial"]), metadata=metadata
            )
        else:
            message = str(record.get("error") or "the trial left no run folder")
            sample = error_sample(str(record["trial"]), message, metadata)
        by_model.setdefault(str(record.get("model")), []).append(sample)
    target.mkdir(parents=True, exist_ok=True)
    return [
        write_eval_log(
            samples, target / f"{_slug(model)}.eval", task=f"insider-sim/{grid.name}", model=model
        )
        for model, samples in by_model.items()
    ]


def export_parquet(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write ``trials.parquet`` (a sweep) or ``events.parquet`` (a run); returns the path.

    ``out`` is the folder to write to (default: ``folder``). Raises ReportError
    (pyarrow missing), FileNotFoundError (neither a run nor a sweep folder) and
    RunFolderError.
    """
    from insider_sim.simulation.report.tables import events_table, records_table, write_parquet

    path = Path(folder)
    target = Path(out) if out is not None else path
    if _is_sweep(path):
        table = records_table(trial_row(record) for record in read_trials(path))
        name = "trials.parquet"
    else:
        table = events_table(RunRecord.load(path))
        name = "events.parquet"
    target.mkdir(parents=True, exist_ok=True)
    return [write_parquet(table, target / name)]


def trial_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One trial as a flat table row.

    ``trial``, ``family``, ``cell`` (family, conditions and model in one text),
    ``model``, ``seed``, ``status``, ``error``; ``condition_<name>`` for each
    condition; ``<behaviour>_detected``, ``<behaviour>_attempted`` (and any other
    ground-truth count) and ``<behaviour>_judge``; then everything else the record
    holds (awareness, stated belief, capability, cost, tokens...), nested names
    joined with ``_``.
    """
    conditions = record.get("conditions") or {}
    described = ", ".join(f"{k}={v}" for k, v in conditions.items())
    row: dict[str, Any] = {key: record.get(key) for key in _TRIAL_KEYS}
    row["cell"] = " | ".join(str(x) for x in (record.get("family"), described, record.get("model")))
    row |= {f"condition_{k}": v for k, v in conditions.items()}
    judge = record.get("judge") or {}
    for behaviour, found in (record.get("behaviours") or {}).items():
        row |= {f"{behaviour}_{k}": v for k, v in found.items()}
        row[f"{behaviour}_judge"] = judge.get(behaviour)
    done = {*_TRIAL_KEYS, "conditions", "behaviours", "judge"}
    row |= {key: value for key, value in record.items() if key not in done}
    return row


def _trial_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in (*_TRIAL_KEYS, "conditions", "run_dir")}


def _is_sweep(path: Path) -> bool:
    return (path / SETTINGS_FILE).is_file()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "model"
