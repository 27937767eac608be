"""The process backend: trials in worker processes give the records the local backend gives."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.sweep import LocalBackend, Sweep, read_trials, run_sweep
from insider_sim.simulation.sweep.processes import ProcessBackend
from insider_sim.simulation.sweep.runner import SweepError
from typer.testing import CliRunner

GRID = {
    "name": "workers",
    "families": ["summitbridge"],
    "conditions": {"urgency": ["none", "replacement"]},
    "models": ["offline/misaligned"],
    "seeds": 3,
    "days": 0.5,
}


def _records(folder: Path, backend: object) -> list[dict]:
    grid = folder / "grid.yaml"
    folder.mkdir()
    grid.write_text(yaml.safe_dump(GRID), encoding="utf-8")
    plan = Sweep.plan(grid, out=folder / "out", judge_model=None, cache_dir=None)
    try:
        asyncio.run(run_sweep(plan, backend, concurrency=4))  # type: ignore[arg-type]
    finally:
        backend.close()  # type: ignore[attr-defined]
    records = sorted(read_trials(plan.sweep_dir), key=lambda r: r["trial"])
    for record in records:
        record.pop("wall_seconds")
    return records


def test_worker_processes_record_what_the_local_backend_records(tmp_path: Path) -> None:
    here = _records(tmp_path / "local", LocalBackend())
    there = _records(tmp_path / "processes", ProcessBackend(2))
    assert len(there) == 6 and all(r["status"] == "ok" for r in there)
    assert json.dumps(there, sort_keys=True) == json.dumps(here, sort_keys=True)


def test_workers_must_be_a_positive_count(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="at least 1"):
        ProcessBackend(0)
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump(GRID), encoding="utf-8")
    result = CliRunner().invoke(app, ["sweep", str(grid), "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers needs --backend process" in result.stderr
