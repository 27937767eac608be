"""``insider schema scenario|inject|grid``: the JSON Schema of a file format, for editors."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from insider_sim.simulation.cli.common import user_errors


class FileFormat(StrEnum):
    """The file formats ``insider`` reads."""

    scenario = "scenario"
    inject = "inject"
    grid = "grid"


def format_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file format: ``scenario`` (scenario YAML), ``inject``
    (``insider run --inject`` files) or ``grid`` (``insider sweep`` files).

    Raises ValueError for any other ``kind``.
    """
    from insider_sim.simulation.scenario.schema import injection_schema, scenario_schema

    if kind == "scenario":
        return scenario_schema()
    if kind == "inject":
        return injection_schema()
    if kind == "grid":
        from insider_sim.simulation.sweep.grid import Grid

        schema = Grid.model_json_schema(by_alias=True)
        models = schema["properties"]["models"]
        models["items"] = {"anyOf": [{"type": "string"}, models["items"]]}  # a bare model name
        schema["title"] = "insider-sim sweep grid"
        return schema
    raise ValueError(f"no file format {kind!r} (scenario, inject or grid)")


@user_errors
def schema(
    kind: Annotated[FileFormat, typer.Argument(help="scenario, inject or grid.")],
) -> None:
    """Print the JSON Schema of a file format, for an editor to check and complete files
    (see scenarios/README.md)."""
    typer.echo(json.dumps(format_schema(kind.value), indent=2, sort_keys=True))
