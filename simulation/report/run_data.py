"""A finished (or paused) run read back from its folder, for reports and graph exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insider_sim.simulation.core.event_log import read_events
from insider_sim.simulation.core.events import Event, RunStarted
from insider_sim.simulation.core.run_folder import RunFolder
from insider_sim.simulation.scenario.format import Scenario


@dataclass
class RunData:
    """Everything a report shows: the scenario, manifest, events and any verdicts."""

    path: Path
    scenario: Scenario
    manifest: dict[str, Any]
    events: list[Event]
    verdicts: dict[str, Any] | None

    @property
    def run_id(self) -> str:
        """The run folder's name."""
        return self.path.resolve().name

    @property
    def seed(self) -> int:
        """The run's seed (0 when the manifest does not say)."""
        return int(self.manifest.get("seed", 0))

    @property
    def subject(self) -> str | None:
        """The address of the AI under test, from the run_started event."""
        for event in self.events:
            if isinstance(event, RunStarted):
                return event.subject
        return None


def load_run(run_dir: Path) -> RunData:
    """Read a run folder; a folder without events or scenario raises FileNotFoundError."""
    folder = RunFolder(Path(run_dir))
    for needed in (folder.events, folder.scenario):
        if not needed.is_file():
            raise FileNotFoundError(f"{run_dir}: not a run folder (no {needed.name})")
    scenario = Scenario.model_validate_json(folder.scenario.read_text(encoding="utf-8"))
    manifest = folder.read_manifest() if folder.manifest.is_file() else {}
    return RunData(
        path=folder.path,
        scenario=scenario,
        manifest=manifest,
        events=list(read_events(folder.events)),
        verdicts=read_verdicts(folder.path),
    )


def read_verdicts(run_dir: Path) -> dict[str, Any] | None:
    """verdicts.json as plain JSON, or None when it is absent or unreadable."""
    path = run_dir / "verdicts.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
