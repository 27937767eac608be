"""JSON Schemas of the scenario and injection file formats, from their pydantic models.

For editors (yaml-language-server, VS Code, JetBrains) that validate and complete
files as they are written: ``insider schema scenario > scenario.schema.json``. The
schemas describe a file as written, before rendering: every list item may carry
``only_if:``, and the fields a run adds while rendering (``chosen``, ``source``,
``source_hash``) are left out; a ``${placeholder}`` may stand wherever a choice, a
number or a boolean goes (an ``action:``, ``days:``).
"""

from __future__ import annotations

import copy
from typing import Any

from insider_sim.simulation.scenario.injections import INJECTIONS

RENDERED_ONLY = ("chosen", "source", "source_hash")
ONLY_IF: dict[str, Any] = {
    "type": "object",
    "description": "Keep this list item only when every condition named has one of the "
    "listed values.",
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}
CONDITION_VALUE = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


PLACEHOLDER = {"type": "string", "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*\}"}
_KEPT = ("title", "description", "default")


def _allow_placeholders(node: Any) -> Any:
    """Wherever a value is a choice, a number or a boolean, also allow ``${name}``."""
    if isinstance(node, list):
        return [_allow_placeholders(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _allow_placeholders(value) for key, value in node.items()}
    if "enum" in node or "const" in node or node.get("type") in ("integer", "number", "boolean"):
        inner = {key: value for key, value in node.items() if key not in _KEPT}
        outer = {key: node[key] for key in _KEPT if key in node}
        return {**outer, "anyOf": [inner, PLACEHOLDER]}
    return node


def _allow_only_if(schema: dict[str, Any]) -> dict[str, Any]:
    """Every object definition may carry ``only_if`` (it is removed while rendering)."""
    for definition in schema.get("$defs", {}).values():
        if definition.get("type") == "object" and "properties" in definition:
            definition["properties"]["only_if"] = ONLY_IF
    return schema


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from insider_sim.simulation.scenario.format import Scenario

    schema = copy.deepcopy(Scenario.model_json_schema(by_alias=True))
    for name in RENDERED_ONLY:
        schema["properties"].pop(name, None)
    schema["properties"]["texts"] = {
        "type": "object",
        "description": "Condition-dependent text, used as ${name}: plain text, or a list of "
        "{when: {condition: value or [values]}, text} variants (the first that matches).",
        "additionalProperties": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "when": {"type": "object", "additionalProperties": CONDITION_VALUE},
                            "text": {"type": "string"},
                        },
                        "required": ["text"],
                        "additionalProperties": False,
                    },
                },
            ]
        },
    }
    schema["title"] = "insider-sim scenario"
    return _allow_only_if(_allow_placeholders(schema))


def injection_schema() -> dict[str, Any]:
    """The JSON Schema of an injection file (``insider run --inject FILE``): a list of
    events, or a mapping whose ``events`` holds that list."""
    events = copy.deepcopy(INJECTIONS.json_schema(by_alias=True))
    definitions = events.pop("$defs", {})
    return {
        "$defs": definitions,
        "title": "insider-sim injections",
        "description": "Events to inject into a run, each with kind and at.",
        "anyOf": [
            events,
            {
                "type": "object",
                "properties": {"events": events},
                "required": ["events"],
                "additionalProperties": False,
            },
        ],
    }
