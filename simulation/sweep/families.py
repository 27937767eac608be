"""A sweep's scenario families: found and parsed once per process, rendered and
validated once per cell (family and conditions).

Parsing a scenario's YAML and validating it are much of a short trial's cost;
each trial gets its own deep copy of its cell's scenario, which is cheaper and
leaves the shared one as rendered.
"""

from __future__ import annotations

import functools
import json
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
    """The family's scenario for ``conditions``, a copy of its own (any problem is a
    ScenarioError)."""
    return _rendered(source, json.dumps(conditions, sort_keys=True)).model_copy(deep=True)


@functools.lru_cache(maxsize=256)
def _rendered(source: str, conditions: str) -> Scenario:
    path, raw, data = scenario_file(source)
    return scenario_from_data(data, source=str(path), raw=raw, conditions=json.loads(conditions))
