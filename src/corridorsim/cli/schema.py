"""``corridorsim schema``: the scenario JSON Schema, as the loader reads files.

Beyond the pydantic model's own schema it describes what
:func:`~corridorsim.scenario.load.load_scenario` accepts before validation, so that an editor
or a standard validator (``check-jsonschema --schemafile``) accepts every file the loader
does: any plain value may be written with its provenance (``{value: 10, source: S73, year:
2024, note: ..., assumed: true}``), and a file with ``extends:`` is an overlay that may omit
required keys (the base file gives them).
"""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["command", "scenario_schema"]

SCALAR_TYPES = {"number", "integer", "string", "boolean", "array"}
PROVENANCE_DEF = "ValueWithProvenance"
_SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
_SUBSCHEMA_ONE = ("items", "additionalProperties")
_SUBSCHEMA_LISTS = ("prefixItems", "anyOf", "oneOf", "allOf")


def _is_value(s: Any) -> bool:
    """A schema for a plain value (a number, string, list...), which may carry provenance."""
    if not isinstance(s, dict):
        return False
    t = s.get("type")
    if isinstance(t, str):
        return t in SCALAR_TYPES
    if "enum" in s or "const" in s:
        return True
    alts = s.get("anyOf")
    return isinstance(alts, list) and any(_is_value(a) for a in alts) \
        and all(_is_value(a) or a.get("type") == "null" for a in alts)


def _with_provenance(s: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {k: s[k] for k in ("title", "description", "default") if k in s}
    value = {k: v for k, v in s.items() if k not in meta}
    prov = {"allOf": [{"$ref": f"#/$defs/{PROVENANCE_DEF}"}],
            "properties": {"value": value}}
    return {**meta, "anyOf": [value, prov]}


def _walk(s: Any, *, wrap: bool) -> Any:
    """``s`` with every value schema below it (and ``s`` itself if ``wrap``) also accepting
    the provenance form."""
    if not isinstance(s, dict):
        return s
    out = dict(s)
    for key in _SUBSCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {k: _walk(v, wrap=key != "$defs") for k, v in out[key].items()}
    for key in _SUBSCHEMA_ONE:
        if isinstance(out.get(key), dict):
            out[key] = _walk(out[key], wrap=True)
    for key in _SUBSCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [_walk(v, wrap=False) for v in out[key]]
    return _with_provenance(out) if wrap and _is_value(s) else out


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from corridorsim.scenario.load import PROVENANCE_KEYS
    from corridorsim.scenario.model import Provenance, Scenario

    schema: dict[str, Any] = _walk(Scenario.model_json_schema(), wrap=False)
    defs = schema.setdefault("$defs", {})
    prov = Provenance.model_json_schema()
    defs[PROVENANCE_DEF] = {
        "type": "object",
        "description": "A value with where it comes from: {value: 10, source: S73, year: "
                       "2024, note: ..., assumed: true}.",
        "properties": {"value": {}, **prov["properties"]},
        "required": ["value"],
        "propertyNames": {"enum": sorted(PROVENANCE_KEYS)},
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["properties"] = {
        "extends": {"type": "string", "description": "An overlay on another scenario: a "
                    "file next to this one or a shipped scenario's name; keys given here "
                    "replace the base file's, mappings merged key by key."},
        **schema["properties"],
    }
    required = schema.pop("required", [])
    if required:  # an overlay's base file gives them
        schema["if"] = {"not": {"required": ["extends"]}}
        schema["then"] = {"required": required}
    return schema


@click.command("schema")
def command() -> None:
    """Print the scenario JSON Schema (for editor completion and check-jsonschema)."""
    click.echo(json.dumps(scenario_schema(), indent=2))
