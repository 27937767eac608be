"""The run folder: manifest.json, events.jsonl, llm_calls.jsonl and the scenario used."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

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
    """Paths of one run's files."""

    def __init__(self, path: Path):
        self.path = path

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
    def create(cls, out: str | Path | None, scenario: str, seed: int) -> RunFolder:
        """``out`` itself (new or empty), or a fresh folder under runs/ when None.

        Raises FileExistsError when ``out`` is a file or a folder with something in it.
        """
        if out is not None:
            out = Path(out)
            if out.exists() and (not out.is_dir() or any(out.iterdir())):
                raise FileExistsError(f"{out} exists and is not an empty folder")
            out.mkdir(parents=True, exist_ok=True)
            return cls(out)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{_slug(scenario)}-s{seed}-{stamp}"
        RUNS_DIR.mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            path = RUNS_DIR / (base if n == 0 else f"{base}-{n}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise FileExistsError(f"could not create a new run folder under {RUNS_DIR}")

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


def cached_calls(run_dir: Path) -> int:
    """How many of the run's model calls were answered from a cache instead of a model."""
    return sum(1 for call in model_calls(run_dir) if call.get("cached"))


def run_cost(run_dir: Path) -> float | None:
    """USD spent on the run's fresh model calls; None when none had a price.

    Answers from the response cache cost nothing and are left out, so a trial's
    record is the same whether or not another run filled the cache first.
    """
    costs = [
        float(call["cost"])
        for call in model_calls(run_dir)
        if not call.get("cached") and isinstance(call.get("cost"), int | float)
    ]
    return round(sum(costs), 6) if costs else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "run"
