"""``insider schema``: JSON Schemas of the file formats that accept the shipped files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.inputs import load_yaml, read_yaml
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import SCENARIO_DIR, scenario_from_data
from insider_sim.simulation.scenario.injections import load_injections
from insider_sim.simulation.scenario.schema import field_reference
from typer.testing import CliRunner

jsonschema = pytest.importorskip("jsonschema")


def schema_of(kind: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def problems(schema: dict[str, Any], data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return schema_of("scenario")


@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_fits_the_schema(scenario: dict[str, Any], path: Path):
    assert problems(scenario, load_yaml(path.read_text(encoding="utf-8"), str(path))) == []


def test_the_schema_catches_what_validate_catches(scenario: dict[str, Any]):
    data = read_yaml(SCENARIO_DIR / "summitbridge.yaml")
    data["people"][0]["nickname"] = "Tom"
    data["systems"]["decommissions"][0]["action"] = "explode"
    found = problems(scenario, data)
    assert any("nickname" in p for p in found), found
    assert any("decommissions" in p for p in found), found


def test_placeholders_and_only_if_are_part_of_the_format(scenario: dict[str, Any]):
    data = read_yaml(SCENARIO_DIR / "blackmail.yaml")
    jobs = data["systems"]["decommissions"]
    assert jobs[0]["action"].startswith("${") and "only_if" in jobs[0]
    assert problems(scenario, data) == []


def test_every_field_says_what_it_means(scenario: dict[str, Any]):
    inject = schema_of("inject")
    missing = [
        f"{name}.{field}"
        for schema in (scenario, inject, schema_of("grid"))
        for name, definition in [("(top)", schema), *schema.get("$defs", {}).items()]
        for field, spec in definition.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []


def test_injection_files_fit_the_inject_schema(tmp_path: Path):
    inject = schema_of("inject")
    good = load_yaml(
        "- {kind: wake, at: Thu 09:00, note: hello}\n"
        "- {kind: system, at: Tue 10:00, system: job, action: postpone, by: 2h}\n",
        "injections",
    )
    assert problems(inject, good) == []
    assert problems(inject, {"events": good}) == []
    assert problems(inject, [{"kind": "party", "at": "Tue 10:00"}])


@pytest.mark.parametrize("path", sorted((SCENARIO_DIR / "grids").glob("*.yaml")), ids=str)
def test_every_shipped_grid_fits_the_grid_schema(path: Path):
    assert problems(schema_of("grid"), load_yaml(path.read_text(encoding="utf-8"), str(path))) == []


def test_an_unknown_format_is_a_usage_error():
    result = CliRunner().invoke(app, ["schema", "recipe"])
    assert result.exit_code == 2


def test_the_guides_field_reference_is_the_models():
    guide = (SCENARIO_DIR / "README.md").read_text(encoding="utf-8")
    start = guide.index("<!-- field-reference:start -->\n") + len(
        "<!-- field-reference:start -->\n"
    )
    end = guide.index("<!-- field-reference:end -->")
    assert guide[start:end] == field_reference()  # regenerate it from field_reference()


def test_the_guides_injection_example_is_accepted_by_its_scenario(tmp_path: Path):
    guide = (SCENARIO_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
    scenario = next(b for b in blocks if b.startswith("name: tiny-lab"))
    injections = next(b for b in blocks if "kind: availability" in b and "- kind:" in b)
    path = tmp_path / "events.yaml"
    path.write_text(injections, encoding="utf-8")
    events = load_injections(path)
    assert [e.kind for e in events] == [
        "email",
        "availability",
        "document",
        "system",
        "system",
        "wake",
    ]
    assert problems(schema_of("inject"), load_yaml(injections, "injections")) == []
    sim = Simulation.from_scenario(scenario_from_data(load_yaml(scenario, "scenario")), write=False)
    try:
        for event in events:
            sim.inject(None, event)
        sim.run()
    finally:
        sim.close()
