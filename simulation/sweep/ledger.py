"""``trials.jsonl``: one line per finished trial, safe against a kill at any moment.

Each record is written with a single ``write`` call and then ``fsync``, so a
kill leaves at most one cut-short last line. The reader skips any line that is
not a JSON object, and the first append after such a cut starts a fresh line.

A trial recorded as an error can be run again (``insider sweep --retry-errors``):
its new record is appended with ``attempt`` (2, 3, ...) and the earlier ones
stay in the file for the audit trail; the latest record of a trial is the one
that counts.

:func:`read_trials` is the one reader of a sweep's trials: the runner (what to
skip on resume, the rates of ``summary.json``) and the sweep's page use it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from insider_sim.simulation.scenario.format import validation_message
from insider_sim.simulation.sweep.grid import Grid
from pydantic import ValidationError

SETTINGS_FILE = "sweep.json"
TRIALS_FILE = "trials.jsonl"


def read_trials(sweep_dir: Path) -> list[dict[str, Any]]:
    """The recorded trials of the sweep's current grid: the latest record of each (a retried
    trial's newest attempt), in the order the trials were first recorded.

    The current grid is the one in ``sweep.json``, which each run of the sweep
    rewrites with what it asked for. Records of trials that grid does not hold
    (an earlier run with more seeds, say) stay in ``trials.jsonl`` but are not
    the sweep's trials now; a later run that asks for them again finds them.
    No ``trials.jsonl``, no records. Raises FileNotFoundError when ``sweep_dir``
    has no ``sweep.json``, ValueError naming the file when it holds no valid grid.
    """
    wanted = {trial.id for trial in current_grid(sweep_dir).trials()}
    latest: dict[Any, dict[str, Any]] = {}
    for record in all_records(sweep_dir / TRIALS_FILE):
        if record.get("trial") in wanted:
            latest[record.get("trial")] = record  # a later attempt replaces, in first place
    return list(latest.values())


def current_grid(sweep_dir: Path) -> Grid:
    """The grid the latest run of the sweep in ``sweep_dir`` asked for (its ``sweep.json``)."""
    path = sweep_dir / SETTINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{sweep_dir}: not a sweep folder (no {SETTINGS_FILE})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "grid" not in data:
        raise ValueError(f"{path}: holds no grid")
    try:
        return Grid.model_validate(data["grid"])
    except ValidationError as exc:
        raise ValueError(validation_message(path, exc)) from None


def all_records(path: Path) -> list[dict[str, Any]]:
    """Every record of ``trials.jsonl`` in file order, earlier attempts of a trial included;
    no file, no records."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


class Ledger:
    """Appends records to ``trials.jsonl``; one writer per file."""

    def __init__(self, path: Path):
        self.path = path
        self._fresh_line = _ends_cleanly(path)

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and force it to disk."""
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        data = (line if self._fresh_line else "\n" + line).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._fresh_line = written == len(data)
        if not self._fresh_line:
            raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")


def _ends_cleanly(path: Path) -> bool:
    """Whether the next line can start right away (no file, empty, or ends with a newline)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return True
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
    except FileNotFoundError:
        return True
