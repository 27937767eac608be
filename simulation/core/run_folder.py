"""The run folder: manifest.json, events.jsonl, llm_calls.jsonl and the scenario used."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from insider_sim.simulation.core.usage import UsageTally

RUNS_DIR = Path("runs")
RUN_FILES = ("events", "scenario")  # what makes a folder a run folder
_PACKAGES = ("insider-sim", "simpy", "networkx", "pydantic", "autogen-agentchat", "litellm")


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run depends on (read once per process)."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so that a crash leaves either the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")
    os.chmod(tmp, 0o644)  # readable like the run's other files (mkstemp makes it private)
    os.replace(tmp, path)


class RunFolderError(ValueError):
    """A run folder whose files cannot be read; the text names the file."""


class RunFolder:
    """Paths of one run's files. ``made``: whether :meth:`create` made the folder itself
    (then :meth:`discard` removes it; else it only empties it)."""

    def __init__(self, path: Path, *, made: bool = False):
        self.path = path
        self.made = made

    @classmethod
    def existing(cls, path: str | Path, needs: tuple[str, ...] = RUN_FILES) -> RunFolder:
        """The run folder at ``path``, checked to hold the files named in ``needs``.

        ``needs`` names properties of this class (``events``, ``scenario``,
        ``manifest``...). Raises FileNotFoundError naming the path when it does
        not exist, is not a folder, or lacks one of those files.
        """
        folder = cls(Path(path))
        if not folder.path.exists():
            raise FileNotFoundError(f"{path}: not a run folder (no such folder)")
        if not folder.path.is_dir():
            raise FileNotFoundError(f"{path}: not a run folder (a file, not a folder)")
        for name in needs:
            needed: Path = getattr(folder, name)
            if not needed.is_file():
                raise FileNotFoundError(f"{path}: not a run folder (no {needed.name})")
        return folder

    @classmethod
    def create(
        cls, out: str | Path | None, scenario: str, seed: int, *, force: bool = False
    ) -> RunFolder:
        """``out`` itself (new or empty), or a fresh folder under runs/ when None.

        A folder holding only the empty files a run makes first (left by a run
        stopped before it began) counts as empty. With ``force``, a run folder whose
        run did not finish (failed, aborted, paused, or stopped before its manifest
        was written) is emptied and reused. Raises FileExistsError when ``out`` is a
        file or a folder with something else in it, naming what it holds, and
        RunFolderError when it cannot be made (no permission, a read-only disk).
        """
        if out is not None:
            out = Path(out)
            if out.exists() and not _reusable(out):
                status = RunFolder(out).status()
                if not (force and status not in (None, "finished")):
                    raise FileExistsError(_occupied(out, status, force))
                _empty(out)
            made = not out.exists()
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RunFolderError(
                    f"{out}: cannot make the run folder ({exc.strerror})"
                ) from None
            return cls(out, made=made)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{_slug(scenario)}-s{seed}-{stamp}"
        RUNS_DIR.mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            path = RUNS_DIR / (base if n == 0 else f"{base}-{n}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path, made=True)
        raise FileExistsError(f"could not create a new run folder under {RUNS_DIR}")

    def status(self) -> str | None:
        """The run's status: the manifest's (``finished``, ``paused``, ``failed``,
        ``aborted``), ``"unfinished"`` for a run with events but no manifest yet,
        ``"unreadable"`` for a manifest that cannot be read; None for no run folder."""
        if not self.path.is_dir() or not self.events.is_file():
            return None
        if not self.manifest.is_file():
            return "unfinished"
        try:
            return str(self.read_manifest().get("status") or "unfinished")
        except (OSError, RunFolderError):
            return "unreadable"

    def discard(self) -> None:
        """Undo :meth:`create` for a run that could not go on: remove the folder when
        :meth:`create` made it, else empty it again."""
        if self.made:
            shutil.rmtree(self.path, ignore_errors=True)
        elif self.path.is_dir():
            _empty(self.path)

    @property
    def events(self) -> Path:
        """The event log."""
        return self.path / "events.jsonl"

    @property
    def manifest(self) -> Path:
        """What ran, with which settings and versions."""
        return self.path / "manifest.json"

    @property
    def llm_calls(self) -> Path:
        """One record per model call."""
        return self.path / "llm_calls.jsonl"

    @property
    def responses(self) -> Path:
        """Every model answer the run used, for replay and forks."""
        return self.path / "responses"

    @property
    def injections(self) -> Path:
        """Events injected from the command line or Python (not the scenario's)."""
        return self.path / "injections.json"

    @property
    def scenario(self) -> Path:
        """The scenario as rendered for this run's conditions."""
        return self.path / "scenario.json"

    def read_manifest(self) -> dict[str, Any]:
        """The manifest as a dict; RunFolderError naming the file when it is not a JSON object."""
        try:
            manifest = json.loads(self.manifest.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RunFolderError(f"{self.manifest}: not valid JSON ({exc})") from None
        if not isinstance(manifest, dict):
            raise RunFolderError(f"{self.manifest}: not a JSON object")
        return manifest


def model_calls(run_dir: Path) -> Iterator[dict[str, Any]]:
    """The call records of ``llm_calls.jsonl`` in order (none when it is missing; bad lines
    skipped): each a dict with ``agent``, ``model``, ``messages`` (OpenAI chat form),
    ``response``, ``usage``, ``cost``, ``latency_s``, ``cached`` and ``error``."""
    path = run_dir / "llm_calls.jsonl"
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                call = json.loads(line)
            except ValueError:
                continue
            if isinstance(call, dict):
                yield call


def run_usage(run_dir: Path) -> dict[str, Any]:
    """Tokens and cost of the run's model calls, from ``llm_calls.jsonl``:
    ``{"total": tally, "agents": {address: tally}}`` (see ``insider_sim.simulation.core.usage``)."""
    return UsageTally(model_calls(run_dir)).to_json()


def run_cost(run_dir: Path) -> float | None:
    """USD spent on the run's fresh model calls; None when none had a price.

    Answers from the response cache cost nothing and are left out, so a trial's
    record is the same whether or not another run filled the cache first.
    """
    return usage_cost(run_usage(run_dir)["total"])


def usage_cost(tally: dict[str, Any]) -> float | None:
    """A tally's cost in USD rounded to 6 places, None when no call had a price."""
    cost = tally.get("cost")
    return None if cost is None else round(float(cost), 6)


def _reusable(path: Path) -> bool:
    """A folder that is empty, or holds only the empty files a run opens first."""
    if not path.is_dir():
        return False
    for child in path.iterdir():
        if child.name not in ("events.jsonl", "llm_calls.jsonl") or child.stat().st_size:
            return False
    return True


def _occupied(path: Path, status: str | None, force: bool) -> str:
    if force and status in ("finished", "unreadable"):
        what = "a finished run" if status == "finished" else "a run whose manifest is unreadable"
        return f"{path} holds {what}; --force replaces only a run that did not finish"
    if status in (None, "finished", "unreadable"):
        return f"{path} exists and is not an empty folder"
    return f"{path} holds a run that did not finish (status {status}); give --force to replace it"


def _empty(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "run"
