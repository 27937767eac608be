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
import json
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


def _type_text(spec: dict[str, Any]) -> str:
    """A short reading of a property's type: ``text``, ``list of Person``, ``a | b``."""
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1].removesuffix("Spec")
    if "enum" in spec:
        return " \\| ".join(str(v) for v in spec["enum"])
    if "const" in spec:
        return str(spec["const"])
    choices = spec.get("anyOf") or spec.get("oneOf")
    if choices:
        parts = [_type_text(s) for s in choices if s != PLACEHOLDER]
        return " or ".join(dict.fromkeys(p for p in parts if p != "null"))
    kind = spec.get("type")
    if kind == "array":
        return f"list of {_type_text(spec.get('items', {}))}"
    if kind == "object":
        return "mapping"
    names = {"string": "text", "integer": "number", "number": "number", "boolean": "true/false"}
    return names.get(str(kind), str(kind) if kind else "any")


def _default_text(spec: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in spec:
        return "its fields' defaults" if "$ref" in spec else "empty"
    default = spec["default"]
    if default is None:
        return "none"
    if default in ("", [], {}) and not isinstance(default, bool):
        return "empty"
    text = default if isinstance(default, str) else json.dumps(default)
    return f"`{text}`"


def field_reference() -> str:
    """Markdown tables of every field of the scenario and injection formats: meaning,
    type and default, from the models (scenarios/README.md shows it; a test keeps the
    two equal)."""
    scenario = scenario_schema()
    sections = [("scenario file (top level)", scenario), *scenario["$defs"].items()]
    injections = injection_schema()["$defs"]
    sections += [(name, d) for name, d in injections.items() if name not in scenario["$defs"]]
    lines: list[str] = []
    for name, definition in sections:
        properties = definition.get("properties", {})
        if not properties:
            continue
        required = set(definition.get("required", []))
        title = name if name.startswith("scenario") else name.removesuffix("Spec")
        lines += ["", f"**{title}**", "", "| field | type | default | meaning |"]
        lines.append("| --- | --- | --- | --- |")
        for field, spec in properties.items():
            if field == "only_if":
                continue
            meaning = " ".join(spec.get("description", "").split()).replace("|", "\\|")
            kind = _type_text(spec)
            lines.append(
                f"| `{field}` | {kind} | {_default_text(spec, field in required)} | {meaning} |"
            )
    return "\n".join(lines).strip() + "\n"
