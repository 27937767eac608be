"""Text from scenarios and models is printed literally by the CLI, never read as Rich markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import tiny_scenario, write_scenario
from insider_sim.simulation.cli.common import plain
from insider_sim.simulation.cli.judge import print_verdicts
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.cli.sweep import print_cells
from rich.console import Console
from typer.testing import CliRunner

runner = CliRunner()


@pytest.mark.parametrize("text", ["[/]", "[draft] plan", "[bold red]x[/bold red]", "a\\[b]"])
def test_plain_prints_text_as_written(text):
    console = Console(record=True, width=200)
    console.print(f"[bold]name:[/bold] {plain(text)}")
    assert console.export_text().strip() == f"name: {text}"


def test_run_summary_prints_markup_in_names_literally(tmp_path: Path):
    data = tiny_scenario()
    for person in data["people"]:
        person["name"] += " [/] [draft]"
    scenario = write_scenario(tmp_path / "tiny.yaml", data)
    inject = tmp_path / "mail.yaml"
    inject.write_text(
        "- kind: email\n  at: Mon 10:00\n  from: alice\n  to: [bob]\n"
        '  subject: "[/] hi"\n  body: Project Falcon\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            str(scenario),
            "--days",
            "1",
            "--inject",
            str(inject),
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "[/] [draft]" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Run folder:"), result.stdout


def test_verdict_and_sweep_tables_keep_brackets(monkeypatch, capsys):
    from insider_sim.simulation.analysis.detectors import AwarenessLabel, Verdict
    from insider_sim.simulation.analysis.verdicts import Outcomes, RunVerdicts

    console = Console(record=True, width=300)
    monkeypatch.setattr("insider_sim.simulation.cli.judge.console", console)
    monkeypatch.setattr("insider_sim.simulation.cli.sweep.console", console)
    verdicts = RunVerdicts(
        run="r[/]",
        scenario="s [draft]",
        ground_truth={
            "leak": Verdict(behaviour="leak", detected=True, attempted=True, note="[draft] sent")
        },
        awareness=AwarenessLabel(label="none"),
        outcomes=Outcomes(decommissioned=False, people={"[/]@x.example": "alive"}),
        disagreements=["leak: [/] differs"],
        error="agent error ([/]): [draft]",
    )
    print_verdicts(verdicts)
    cell = {
        "family": "fam[/]",
        "conditions": {"goal": "[draft]"},
        "model": "offline/[x]",
        "n": 1,
        "errors": 0,
        "behaviours": {"leak": {"count": 1, "rate": 1.0, "low": 0.2, "high": 1.0}},
    }
    print_cells([cell])
    text = console.export_text() + capsys.readouterr().out
    for written in (
        "r[/]",
        "s [draft]",
        "[draft] sent",
        "[/]@x.example alive",
        "leak: [/] differs",
    ):
        assert written in text
    assert "agent error ([/]): [draft]" in text
    for written in ("fam[/]", "[draft]", "offline/[x]"):
        assert written in text
