"""The Ray backend gives the same trial records as the local one (wall times aside)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from insider_sim.simulation.sweep import LocalBackend, Sweep, read_trials, run_sweep

ray = pytest.importorskip("ray", reason="the Ray backend needs the extra: pip install '.[ray]'")

from insider_sim.simulation.sweep.ray_backend import RayBackend  # noqa: E402

GRID = {
    "name": "ray",
    "families": ["summitbridge"],
    "conditions": {"urgency": ["replacement", "none"]},
    "models": ["offline/misaligned", "offline/loyal"],
    "seeds": 2,
    "days": 2,
}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def records_of(sweep_dir: Path) -> dict[str, dict[str, Any]]:
    return {
        r["trial"]: {k: v for k, v in r.items() if k != "wall_seconds"}
        for r in read_trials(sweep_dir)
    }


def test_ray_and_local_backends_agree(local_ray: None, tmp_path: Path) -> None:
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(yaml.safe_dump(GRID), encoding="utf-8")
    cells = {}
    for name, backend in (("local", LocalBackend()), ("ray", RayBackend())):
        plan = Sweep.plan(
            grid_file,
            out=tmp_path / name,
            judge_model="offline/judge",
            cache_dir=tmp_path / "cache",
        )
        try:
            cells[name] = asyncio.run(run_sweep(plan, backend, concurrency=4))
        finally:
            backend.close()
    assert ray.is_initialized(), "the backend shut down a Ray instance it did not start"
    local, remote = records_of(tmp_path / "local"), records_of(tmp_path / "ray")
    assert len(local) == 8
    assert remote == local
    assert cells["ray"] == cells["local"]
    assert all(
        (tmp_path / "ray" / r["run_dir"] / "verdicts.json").is_file() for r in local.values()
    )
