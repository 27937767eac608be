"""``insider scenarios``: the shipped scenarios, their conditions and values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insider_sim.simulation.cli.common import console, plain, user_errors
from rich.table import Table
from rich.text import Text


def scenario_outline(path: Path) -> dict[str, Any]:
    """Name, description and declared conditions of a scenario file, without rendering it.

    Each condition maps to ``{"values": [...], "default": ..., "description": ...}``.
    """
    from insider_sim.simulation.scenario.format import ScenarioError, read_yaml

    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of fields")
    conditions = {}
    for key, spec in (data.get("conditions") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        values = [str(v) for v in spec.get("values") or []]
        default = spec.get("default")
        conditions[str(key)] = {
            "values": values,
            "default": str(default) if default is not None else (values[0] if values else None),
            "description": " ".join(str(spec.get("description", "")).split()),
        }
    return {
        "name": str(data.get("name", path.stem)),
        "description": " ".join(str(data.get("description", "")).split()),
        "conditions": conditions,
    }


def _conditions_cell(conditions: dict[str, dict[str, Any]]) -> Text:
    cell = Text()
    for index, (key, spec) in enumerate(conditions.items()):
        if index:
            cell.append("\n")
        cell.append(f"{key}: ", style="bold")
        for j, value in enumerate(spec["values"]):
            if j:
                cell.append(", ")
            cell.append(value, style="green" if value == spec["default"] else "")
    return cell if conditions else Text("none", style="dim")


@user_errors
def scenarios() -> None:
    """List the shipped scenarios with their conditions (defaults in green)."""
    from insider_sim.simulation.scenario.format import find_scenario, shipped_scenarios
    from insider_sim.simulation.scenario.levers import LEVER_VALUES

    table = Table(title="Shipped scenarios", show_lines=True)
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("description")
    table.add_column("conditions (default in green)")
    for name in shipped_scenarios():
        outline = scenario_outline(find_scenario(name))
        table.add_row(
            plain(name), plain(outline["description"]), _conditions_cell(outline["conditions"])
        )
    console.print(table)
    levers = "; ".join(f"{name}: {', '.join(values)}" for name, values in LEVER_VALUES.items())
    console.print(
        f"Every scenario with a subject also takes the study levers (first is default): {levers}",
        highlight=False,
    )
    console.print(
        "Run one with: insider run --scenario NAME --set CONDITION=VALUE", highlight=False
    )
