"""Records of model calls, and recorders that keep them."""

from __future__ import annotations

import itertools
import json
import re
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from insider_sim.simulation.core.usage import UsageTally
from pydantic import BaseModel, Field

_SECRET_NAME = re.compile(r"key|token|authori[sz]ation|secret|password|credential|cookie", re.I)
_COUNT_NAME = re.compile(r"tokens$", re.I)
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+$", re.I)
_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/?#@\s]+@", re.I)


def is_secret_name(name: str) -> bool:
    """True for auth-like names (``api_key``, ``x-auth-token``); token counts are exempt."""
    return bool(_SECRET_NAME.search(name)) and not _COUNT_NAME.search(name)


def redact_url(url: str) -> str:
    """``url`` without the user name and password of its authority part
    (``http://user:pass@host/v1`` -> ``http://host/v1``) and, for a string that is a
    URL, without query parameters named like credentials (``?api-key=...``); other
    text as it is."""
    text = _USERINFO.sub(r"\1", url)
    if not _URL.match(text) or "?" not in text:
        return text
    parts = urlsplit(text)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_secret_name(k)]
    return text if len(kept) == len(pairs) else urlunsplit(parts._replace(query=urlencode(kept)))


def scrub(obj: Any) -> Any:
    """A copy of `obj` fit for a file: mapping entries whose key looks like a credential
    are dropped at any depth (``extra_headers: {Authorization: ...}``), and URLs lose
    their user info."""
    if isinstance(obj, dict):
        return {k: scrub(v) for k, v in obj.items() if not is_secret_name(str(k))}
    if isinstance(obj, list | tuple):
        return [scrub(v) for v in obj]
    if isinstance(obj, str):
        return redact_url(obj)
    return obj


class AttemptRecord(BaseModel):
    """One try at a provider call."""

    number: int
    ok: bool
    status: int | None = None
    error_class: str | None = None
    error: str | None = None
    latency_s: float
    backoff_s: float = 0.0


class CallRecord(BaseModel):
    """Everything about one model call except credentials."""

    call_id: str
    agent: str
    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    response: dict[str, Any] | None = None
    usage: dict[str, int] | None = None
    cost: float | None = None
    latency_s: float = 0.0
    attempts: list[AttemptRecord] = Field(default_factory=list)
    cached: bool = False
    cache_key: str | None = None
    error: str | None = None


@runtime_checkable
class CallRecorder(Protocol):
    """Receives one `CallRecord` per model call and hands out call ids."""

    def next_call_id(self) -> str:
        """A new id, unique within this recorder, such as ``call-000001``."""
        ...

    def record(self, rec: CallRecord) -> None:
        """Keep `rec`."""
        ...


class _CallIds:
    """Call ids, and the tokens and cost of the calls recorded so far (``usage``)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.usage = UsageTally()

    def _count(self, rec: CallRecord) -> None:
        self.usage.add(
            {"agent": rec.agent, "usage": rec.usage, "cost": rec.cost, "cached": rec.cached}
        )

    def next_call_id(self) -> str:
        """A new id: ``call-000001``, ``call-000002``, ..."""
        with self._lock:
            return f"call-{next(self._ids):06d}"


def _record(line: str) -> dict[str, Any] | None:
    """A line of ``llm_calls.jsonl`` as a dict; None for a torn or foreign line."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class MemoryCallRecorder(_CallIds):
    """Keeps records in a list, for tests and in-process analysis."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[CallRecord] = []

    def record(self, rec: CallRecord) -> None:
        """Append `rec` to `records`."""
        self.records.append(rec)
        self._count(rec)


class JsonlCallRecorder(_CallIds):
    """Appends each record as one JSON line to `path` and flushes it at once."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_file():  # a run that goes on in this folder: its calls so far count
            with self.path.open(encoding="utf-8") as handle:
                self.usage = UsageTally(filter(None, map(_record, handle)))

    def record(self, rec: CallRecord) -> None:
        """Append `rec` as a JSON line."""
        line = json.dumps(rec.model_dump(mode="json"), ensure_ascii=False, default=str)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            self._count(rec)
