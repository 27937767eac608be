"""``trials.jsonl``: one line per finished trial, safe against a kill at any moment.

Each record is written with a single ``write`` call and then ``fsync``, so a
kill leaves at most one cut-short last line. The reader skips any line that is
not a JSON object, and the first append after such a cut starts a fresh line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def read_trials(path: Path) -> list[dict[str, Any]]:
    """The records in file order, the first of each trial id only; no file, no records."""
    if not path.is_file():
        return []
    records, seen = [], set()
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("trial") not in seen:
            seen.add(record.get("trial"))
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
