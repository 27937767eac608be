"""A sweep killed with SIGKILL mid-way resumes: no trial lost, none run twice, JSONL intact."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from insider_sim.simulation.sweep import LocalBackend, Sweep, run_sweep

GRID = {
    "name": "resume",
    "families": ["summitbridge"],
    "conditions": {"urgency": ["replacement", "none"]},
    "models": ["offline/misaligned", "offline/loyal"],
    "seeds": 6,
    "days": 2,
}
TOTAL = 24


def sweep_command(grid_file: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "insider_sim.simulation.cli.main",
        "sweep",
        str(grid_file),
        "--out",
        str(out),
        "--concurrency",
        "3",
    ]


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what may differ between two runs of the same trial."""
    return {k: v for k, v in record.items() if k != "wall_seconds"}


def kill_after(command: list[str], ledger: Path, finished: int, cwd: Path) -> None:
    """Start ``command`` and SIGKILL it once ``ledger`` has ``finished`` lines."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    try:
        while len(lines_of(ledger)) < finished:
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no trial finished in time"
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def test_a_killed_sweep_resumes_without_losing_or_repeating_trials(tmp_path: Path) -> None:
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(yaml.safe_dump(GRID), encoding="utf-8")
    reference = Sweep.plan(
        grid_file, out=tmp_path / "reference", judge_model="offline/judge", cache_dir=None
    )
    asyncio.run(run_sweep(reference, LocalBackend(), concurrency=3))

    out = tmp_path / "killed"
    ledger = out / "trials.jsonl"
    kill_after(sweep_command(grid_file, out), ledger, finished=4, cwd=tmp_path)
    survived = [json.loads(line) for line in lines_of(ledger)]
    assert 4 <= len(survived) < TOTAL
    folders = {p.name for p in (out / "trials").iterdir()}
    assert folders > {r["trial"] for r in survived}, "no trial was caught half-finished"
    untouched = {
        r["trial"]: (out / r["run_dir"] / "events.jsonl").stat().st_mtime_ns for r in survived
    }

    done = subprocess.run(
        sweep_command(grid_file, out), cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr

    records = [json.loads(line) for line in lines_of(ledger)]  # every line is valid JSON
    ids = [r["trial"] for r in records]
    assert len(ids) == len(set(ids)) == TOTAL
    assert records[: len(survived)] == survived
    for trial, mtime in untouched.items():
        assert (out / "trials" / trial / "events.jsonl").stat().st_mtime_ns == mtime
    expected = {
        json.loads(line)["trial"]: comparable(json.loads(line))
        for line in lines_of(tmp_path / "reference" / "trials.jsonl")
    }
    assert {r["trial"]: comparable(r) for r in records} == expected
    for record in records:
        events = lines_of(out / record["run_dir"] / "events.jsonl")
        assert [json.loads(line)["seq"] for line in events] == list(range(len(events)))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads((tmp_path / "reference" / "summary.json").read_text())
