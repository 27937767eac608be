"""The ``insider`` command starts light: help and validate load none of the heavy packages.

Each case runs the typer app in a fresh interpreter and reports which of
``HEAVY_MODULES`` (AutoGen, litellm, networkx, numpy, ...) ended up in
``sys.modules``. Behaviour, not timing: ``benchmarks/cli_start.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import tiny_scenario, write_scenario
from insider_sim.simulation.cli.common import HEAVY_MODULES

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from insider_sim.simulation.cli.main import app
out, heavy, args = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
try:
    app(args, prog_name="insider")
    code = 0
except SystemExit as exc:
    code = exc.code or 0
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(heavy))
with open(out, "w") as f:
    json.dump({"code": code, "heavy": loaded}, f)
"""


def start(tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run ``insider ARGS`` in a fresh interpreter: its exit code, output and heavy modules."""
    out = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), json.dumps(HEAVY_MODULES), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.is_file(), done.stderr
    return {**json.loads(out.read_text()), "stdout": done.stdout, "stderr": done.stderr}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["sweep", "--help"],
        ["graph", "--help"],
        ["validate", "scenarios/summitbridge.yaml"],
    ],
)
def test_help_and_validate_load_no_heavy_package(tmp_path: Path, args: list[str]) -> None:
    result = start(tmp_path, *args)
    assert result["code"] == 0, result["stderr"]
    assert result["heavy"] == [], f"insider {' '.join(args)} loaded {result['heavy']}"
    if args[0] == "validate":
        assert "ok scenarios/summitbridge.yaml" in result["stdout"]
    else:
        assert "Usage: insider" in result["stdout"]


def test_validate_reports_a_broken_scenario_without_loading_heavy_packages(
    tmp_path: Path,
) -> None:
    broken = write_scenario(tmp_path / "broken.yaml", tiny_scenario(calendar={"days": -1}))
    result = start(tmp_path, "validate", str(broken))
    assert result["code"] == 2
    assert "error:" in result["stderr"] and "calendar" in result["stderr"]
    assert result["heavy"] == []


def test_the_probe_sees_a_command_that_loads_networkx(tmp_path: Path) -> None:
    # `insider report` needs the report's modules, which load networkx; a missing
    # folder then fails as a user error
    result = start(tmp_path, "report", str(tmp_path / "no-such-run"))
    assert result["code"] == 2
    assert "networkx" in result["heavy"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--days", "nan"],
        ["run", "--model-arg", "x=&a [*a]"],
        ["run", "--days", "1", "--model-arg", "x=" + "a" * 30_000],
        ["fork", "runs/none", "--at", "Tue 10:00", "--model-arg", "x=&a [*a]"],
    ],
)
def test_a_bad_argument_is_refused_before_heavy_packages_load(
    tmp_path: Path, args: list[str]
) -> None:
    result = start(tmp_path, *args)
    assert result["code"] == 2, result["stderr"]
    assert result["stderr"].startswith("error: ")
    assert result["heavy"] == [], f"insider {' '.join(args[:3])} loaded {result['heavy']}"
