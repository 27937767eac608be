"""``insider sweep --estimate``: one pilot trial per model, the grid's projected tokens and
cost, and nothing of the sweep itself run or written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write_scenario
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.sweep.estimate import estimate_sweep
from insider_sim.simulation.sweep.runner import Sweep
from provider_server import openai_text, subject_company
from typer.testing import CliRunner

runner = CliRunner()


def _grid(tmp_path: Path, models: list[Any]) -> Path:
    company = subject_company()
    company["subject"]["wake"] = ["Mon 10:00"]  # the AI's one session in a trial
    family = write_scenario(tmp_path / "tiny.yaml", company)
    grid = {
        "name": "pilot",
        "families": [str(family)],
        "models": models,
        "seeds": 5,
        "days": 0.5,
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(grid), encoding="utf-8")
    return path


def test_the_projection_is_the_pilot_times_the_models_trials(
    provider: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    provider.answers = [openai_text("Noted.")]  # 19 prompt and 10 completion tokens a call
    models = [{"model": "openai/gpt-4.1", "api_base": provider.url + "/v1"}, "offline/loyal"]
    plan = Sweep.plan(
        _grid(tmp_path, models), out=tmp_path / "sweep", judge_model=None, cache_dir=None
    )
    paid, offline = asyncio.run(estimate_sweep(plan))
    calls = len(provider.bodies)
    assert calls and paid["pilot"]["calls"] == calls  # one pilot: the server saw its calls
    assert (paid["model"], paid["trials"], paid["status"]) == ("openai/gpt-4.1", 5, "ok")
    assert paid["projected"]["prompt_tokens"] == 19 * calls * 5
    assert paid["projected"]["completion_tokens"] == 10 * calls * 5
    assert paid["projected"]["cost"] == pytest.approx(paid["pilot"]["cost"] * 5, rel=1e-6)
    assert paid["pilot"]["cost"] > 0
    assert offline["model"] == "offline/loyal" and offline["projected"]["cost"] is None
    assert not (tmp_path / "sweep").exists()  # nothing of the sweep ran


def test_estimate_on_the_command_line_prints_the_projection_and_runs_no_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    grid = _grid(tmp_path, ["offline/loyal"])
    monkeypatch.setenv("COLUMNS", "80")  # a default terminal, or a pipe
    result = runner.invoke(app, ["sweep", str(grid), "--estimate", "--out", "s", "--no-judge"])
    assert result.exit_code == 0, result.output
    assert "Projected from one pilot trial per model" in result.output
    assert "Grid: 5 trials, no model has a price." in result.output
    assert "completion" in result.output  # the pilot's tokens, and the projection's
    row = next(line for line in result.output.splitlines() if "offline/loyal" in line)
    assert row.count("completion") == 2 and "no price" in row  # never squeezed out
    assert not (tmp_path / "s").exists() and not (tmp_path / "runs").exists()
