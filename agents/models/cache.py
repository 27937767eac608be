"""An on-disk response cache shared across runs and processes."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def cache_key(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `payload` (sorted keys, compact separators)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """One JSON file per key under ``dir/<first two hex digits>/<key>.json``.

    Writes go to a temporary file in the same folder followed by `os.replace`, so
    readers in other processes never see a half-written entry.
    """

    def __init__(self, dir: Path | str) -> None:
        self.dir = Path(dir)

    def path_for(self, key: str) -> Path:
        """Where the entry for `key` lives."""
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry for `key`, or None."""
        try:
            return json.loads(self.path_for(key).read_bytes())
        except (FileNotFoundError, ValueError):  # a damaged entry is a missing one
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store `value` under `key`, atomically."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, ensure_ascii=False, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class RunCache:
    """The cache of one run: its own answers, then its parents', then the shared cache.

    Every answer the run uses is kept in its own folder, so that the run can be
    replayed (or forked) from that folder alone. Fresh answers also go to the
    shared cache.
    """

    def __init__(
        self,
        own: ResponseCache | None,
        shared: ResponseCache | None = None,
        parents: Sequence[ResponseCache] = (),
    ) -> None:
        self.own = own
        self.shared = shared
        self.parents = list(parents)

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry for `key`, from the first place that has it."""
        if self.own is not None:
            entry = self.own.get(key)
            if entry is not None:
                return entry
        for source in [*self.parents, *([self.shared] if self.shared else [])]:
            entry = source.get(key)
            if entry is not None:
                if self.own is not None:
                    self.own.put(key, entry)
                return entry
        return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Keep a fresh answer in the run's folder and the shared cache."""
        if self.own is not None:
            self.own.put(key, value)
        if self.shared is not None:
            self.shared.put(key, value)

    def without_shared(self) -> RunCache:
        """The same run's record and its parents', without the shared cache."""
        return RunCache(self.own, None, self.parents)

    def put_failure(self, key: str, value: dict[str, Any]) -> None:
        """Keep a call that failed for good in the run's folder only.

        A replay or a fork's prefix then fails the same way (so its event log is the
        same), while the shared cache never hands a passing outage to another run.
        """
        if self.own is not None:
            self.own.put(key, value)
