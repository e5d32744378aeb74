"""Every scenario field in one place, from the models themselves: a JSON Schema and a Markdown reference.

Both are read off ``Scenario``'s JSON Schema (pydantic's, from the models and their ``description``s), so
they cannot drift from what ``load_scenario`` accepts. ``nahbei-sim scenario-schema`` prints the schema
(checked in as ``simulator/scenario.schema.json``, for editors) and ``nahbei-sim scenario-reference``
the Markdown (checked in as ``simulator/SCENARIOS.md``); tests keep both copies equal to the output.
"""

from __future__ import annotations

import json
from typing import Any, Final

from simulator.world.scenario import Scenario

__all__ = ["SCHEMA_ID", "scenario_reference", "scenario_schema"]

SCHEMA_ID: Final = "https://nahbei.example/schemas/scenario.schema.json"
# Fields of models the backend owns (the admin API's), which carry no descriptions of their own.
_BORROWED: Final = {
    ("PromptText", "title"): "The prompt's title: what a phone's notification says.",
    ("PromptText", "body"): "A few sentences under the title.",
    ("PromptText", "action_label"): "The button's words.",
    ("ScheduleWindow", "days"): "Weekdays (mon ... sun) the window opens on.",
    ("ScheduleWindow", "start"): 'Opens at "HH:MM", the site\'s local time.',
    ("ScheduleWindow", "end"): 'Closes at "HH:MM" (or "24:00"); at or before start: the next day.',
}
_INTRO: Final = """\
# Scenario files: every field

Every field a scenario file (TOML) may have, with its default, what it accepts and what it means.
Generated from the scenario models (`simulator/world/scenario.py`, `simulator/world/scenario_parts.py`)
by `nahbei-sim scenario-reference`; `tests/test_scenario.py` keeps this page equal to that output, so
edit the models' `description`s, not this page. A field left out takes its default: a scenario names
only what makes its street different. Positions are `[x, y]`: metres east and north of `origin`.
A range (`[low, high]`) may be written as one number when low and high are the same.

For editors, `simulator/scenario.schema.json` (`nahbei-sim scenario-schema`) is the JSON Schema of
the same file: with *Even Better TOML* (taplo), put `#:schema ../scenario.schema.json` (the path
from your file) on a scenario's first line. `nahbei-sim run my_street.toml` says the first problem
in one line, the field as written in the file.
"""


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, as it is written (``from``, not ``from_``)."""
    schema = Scenario.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def scenario_reference() -> str:
    """The Markdown reference: one table per part of the file, in the order a reader meets them."""
    schema = scenario_schema()
    defs: dict[str, Any] = schema["$defs"]
    sections = [_INTRO]
    for path, name, node in _walk(schema, defs):
        title = f"`{path}`" if path else "The file itself (top level)"
        sections.append(f"## {title}" + (f" ({name})" if path else ""))
        if node.get("description"):
            sections.append(" ".join(node["description"].replace("``", "`").split()))
        rows = ["| field | type | default | accepts | meaning |", "| --- | --- | --- | --- | --- |"]
        required = set(node.get("required", []))
        for field, prop in node["properties"].items():
            meaning = prop.get("description") or _BORROWED.get((name, field), "")
            cells = (
                f"`{field}`",
                _type(prop, defs),
                _default(prop, field in required),
                _accepts(prop),
                meaning,
            )
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        sections.append("\n".join(rows))
    return "\n\n".join(sections) + "\n"


def _target(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The object models a property holds: directly, in a list, a table of tables, or one of several."""
    if "$ref" in prop:
        return [prop]
    if "items" in prop and isinstance(prop["items"], dict):
        return _target(prop["items"])
    if isinstance(prop.get("additionalProperties"), dict):
        return _target(prop["additionalProperties"])
    if "patternProperties" in prop:
        return [ref for value in prop["patternProperties"].values() for ref in _target(value)]
    return [ref for branch in prop.get("anyOf", []) + prop.get("oneOf", []) for ref in _target(branch)]


def _walk(schema: dict[str, Any], defs: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(the TOML path, the model's name, its schema) for the file and every table in it, depth first."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[str] = set()

    def visit(dotted: str, header: str, name: str, node: dict[str, Any]) -> None:
        found.append((header, name, node))
        for field, prop in node.get("properties", {}).items():
            for ref in _target(prop):
                child = ref["$ref"].rsplit("/", 1)[-1]
                target = defs[child]
                if child in seen or "properties" not in target:
                    continue
                seen.add(child)
                inner = f"{dotted}.{field}" if dotted else field
                if _is_list(prop):
                    head = f"[[{inner}]]"
                elif _is_map(prop):
                    head = f"[{inner}.<language>]"
                else:
                    head = f"[{inner}]"
                kind = target["properties"].get("kind", {}).get("const")
                visit(inner, head + (f' kind = "{kind}"' if kind else ""), child, target)

    visit("", "", "Scenario", schema)
    return found


def _is_list(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "array" or any(b.get("type") == "array" for b in prop.get("anyOf", []))


def _is_map(prop: dict[str, Any]) -> bool:
    return isinstance(prop.get("additionalProperties"), dict) or "patternProperties" in prop


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        if "enum" in target:
            return "one of " + ", ".join(f"`{v}`" for v in target["enum"])
        return "table"
    if "const" in prop:
        return f'`"{prop["const"]}"`'
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if branches:
        return " or ".join(dict.fromkeys(_type(b, defs) for b in branches))
    if "oneOf" in prop:
        return "table"
    kind = prop.get("type")
    if kind == "array":
        if "prefixItems" in prop:
            return "[" + ", ".join(_type(p, defs) for p in prop["prefixItems"]) + "]"
        inner = _type(prop.get("items", {}), defs)
        return "tables" if inner == "table" else f"list of {inner}"
    if kind == "object":
        return "tables by language" if _is_map(prop) else "table"
    return {"number": "number", "integer": "integer", "boolean": "true or false", "string": "text"}.get(
        str(kind), str(kind)
    )


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:
        return "[]" if _is_list(prop) else "its fields' defaults"
    value = prop["default"]
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _accepts(prop: dict[str, Any]) -> str:
    """Bounds of a number, length of a text or list, pattern of a text; from every branch of a union."""
    parts: list[str] = []
    for branch in [prop, *prop.get("anyOf", [])]:
        low = _bound(branch, "minimum", "exclusiveMinimum", ">")
        high = _bound(branch, "maximum", "exclusiveMaximum", "<")
        if low and high and low[0] == ">=" and high[0] == "<=":
            parts.append(f"{low[1]} to {high[1]}")
        else:
            parts += [f"{op} {value}" for op, value in (low, high) if op]
        for lo_key, hi_key, unit in (
            ("minLength", "maxLength", "characters"),
            ("minItems", "maxItems", "items"),
            ("minProperties", "maxProperties", "languages"),
        ):
            lo, hi = branch.get(lo_key), branch.get(hi_key)
            if "prefixItems" in branch:
                continue
            if lo is not None and hi is not None:
                parts.append(f"{lo}-{hi} {unit}")
            elif hi is not None:
                parts.append(f"at most {hi} {unit}")
            elif lo is not None:
                parts.append(f"at least {lo} {unit}")
        if "pattern" in branch:
            parts.append(f"`{branch['pattern']}`")
        if branch.get("format") == "uri":
            parts.append("a URL")
    return ", ".join(dict.fromkeys(parts))


def _bound(branch: dict[str, Any], inclusive: str, exclusive: str, sign: str) -> tuple[str, str]:
    if inclusive in branch:
        return sign + "=", _number(branch[inclusive])
    if exclusive in branch:
        return sign, _number(branch[exclusive])
    return "", ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
