"""The event log: the single, append-only record of a run.

Events stream to ``events.jsonl`` as they happen, so memory does not grow with
the log. Listeners (the exposure ledger, monitors, counters) are told of each
event as it is appended. A reader skips a final line cut short by a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from insider_sim.simulation.core.clock import Calendar
from insider_sim.simulation.core.events import BaseEvent, Event, parse_event
from insider_sim.simulation.core.run_folder import RunFolderError
from pydantic import ValidationError

Listener = Callable[[BaseEvent], None]


class EventLog:
    """Numbers, timestamps and writes events; tells listeners of each one."""

    def __init__(self, calendar: Calendar, path: Path | None = None, *, start_seq: int = 0):
        self.calendar = calendar
        self.path = path
        self.next_seq = start_seq
        self.listeners: list[Listener] = []
        self.counts: dict[str, int] = {}
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path else None
        self._time_cache: tuple[float, str] = (-1.0, "")

    def append(self, event: BaseEvent, now: float) -> BaseEvent:
        """Stamp ``event`` with the next sequence number and time ``now``, and write it."""
        cached_t, cached_iso = self._time_cache
        if cached_t != now:
            cached_iso = self.calendar.iso(now)
            self._time_cache = (now, cached_iso)
        # one update instead of three validated assignments: these are set by us alone
        event.__dict__.update(seq=self.next_seq, t=now, time=cached_iso)
        self.next_seq += 1
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        if self._file is not None:
            self._file.write(event.model_dump_json())
            self._file.write("\n")
        for listener in self.listeners:
            listener(event)
        return event

    def flush(self) -> None:
        """Push buffered lines to disk."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def read_events(path: Path) -> Iterator[Event]:
    """Yield the typed events of an events.jsonl, skipping a truncated last line.

    Raises RunFolderError naming the file and the line (counted from 1) for a
    complete line that is not JSON or not a known event.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                return
            if raw.strip():
                try:
                    yield parse_event(raw.rstrip(b"\r\n"))
                except ValidationError as exc:
                    raise RunFolderError(f"{path}: line {number}: {_problem(exc)}") from None


def _problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    if error["type"] == "json_invalid":
        problem = (
            error["msg"].removeprefix("Invalid JSON: ").replace(" at line 1 column ", " at column ")
        )
        return f"invalid JSON ({problem})"
    where = ".".join(map(str, error["loc"]))
    return f"not a valid event ({where + ': ' if where else ''}{error['msg']})"
