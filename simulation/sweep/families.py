"""A sweep's scenario families: found and parsed once per process, rendered per trial.

Parsing a scenario's YAML is most of a short offline trial's cost; rendering
the parsed mapping for one choice of conditions is cheap and leaves it as read.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from insider_sim.simulation.scenario.format import (
    Scenario,
    ScenarioError,
    find_scenario,
    read_yaml,
    scenario_from_data,
)


def family_source(family: str, base: Path) -> str:
    """A shipped scenario's name as it is; a file as an absolute path (relative to ``base``)."""
    path = Path(family)
    if path.suffix not in (".yaml", ".yml"):
        return family
    return str((path if path.is_absolute() else base / path).resolve())


@functools.lru_cache(maxsize=64)
def scenario_file(source: str) -> tuple[Path, bytes, dict[str, Any]]:
    """A scenario file's path, bytes and parsed YAML."""
    path = find_scenario(source)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of fields")
    return path, path.read_bytes(), data


def render(source: str, conditions: dict[str, str]) -> Scenario:
    """The family's scenario for ``conditions`` (any problem is a ScenarioError)."""
    path, raw, data = scenario_file(source)
    return scenario_from_data(data, source=str(path), raw=raw, conditions=conditions)
