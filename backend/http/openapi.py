"""`/openapi.json`, generated from the operations table and the pydantic models it names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from backend.config import Settings
from backend.http.operations import Access, Operation
from backend.models import MAX_ID
from beacon_agent.contract.wire import (
    MAX_LIMIT,
    MAX_OBSERVATIONS,
    MAX_RADIUS_M,
    MAX_SIGHTINGS_PER_BATCH,
    Problem,
)

_REF = "#/components/schemas/{model}"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}
_REASONS = {
    400: "Malformed JSON",
    401: "Missing or wrong token",
    404: "Not found (or another organisation's)",
    408: "The body did not arrive in time",
    409: "Conflict",
    413: "Body too large",
    415: "Not JSON",
    422: "Invalid fields (see `errors`)",
    429: "Rate limited; see Retry-After",
}
# Headers every answer of a status carries (see `operations.bind` and `problems.render`).
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with.",
            "required": True,
            "schema": {"type": "string", "pattern": "^Bearer "},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
# Requests aiohttp cannot parse are answered before any handler runs, in plain text.
_MALFORMED = {
    "description": "Malformed HTTP request",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}
_CACHE_CONTROL = {"Cache-Control": {"required": True, "schema": {"type": "string", "minLength": 1}}}


def document(operations: Iterable[Operation], settings: Settings, version: str) -> dict[str, Any]:
    ops = list(operations)
    inputs: list[tuple[tuple[str, str], JsonSchemaMode, TypeAdapter[Any]]] = [
        (("problem", "out"), "serialization", TypeAdapter(Problem))
    ]
    for op in ops:
        parts: tuple[tuple[str, JsonSchemaMode, Any], ...] = (
            ("body", "validation", op.body),
            ("query", "validation", op.query),
            ("out", "serialization", op.response),
        )
        for part, mode, kind in parts:
            if kind is not None:
                inputs.append(((op.name, part), mode, TypeAdapter(kind)))
    by_mode, defs = TypeAdapter.json_schemas(inputs, ref_template=_REF)
    schemas = {key: schema for (key, _mode), schema in by_mode.items()}
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(
            op, schemas, defs.get("$defs", {}), settings
        )
    paths.update(_plain_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Nahbei API",
            "version": version,
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "description": (
                "Nahbei lets nonprofits ask people nearby for help. Every error is RFC 9457 problem details "
                f"(`application/problem+json`). Caps: request bodies {settings.max_body_bytes} bytes, "
                f"{MAX_OBSERVATIONS} observations per resolve, {MAX_SIGHTINGS_PER_BATCH} sightings per batch, "
                f"radius {MAX_RADIUS_M:.0f} m, limit {MAX_LIMIT}. Public endpoints are rate limited per client "
                f"({settings.rate_limit_per_s}/s, bursts of {settings.rate_limit_burst})."
            ),
        },
        # Each organisation runs its own instance: the API is wherever this document was fetched from.
        "servers": [{"url": "/", "description": "This server"}],
        "paths": paths,
        "components": {
            "schemas": _reachable(defs.get("$defs", {}), paths),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(
    op: Operation, schemas: dict[Any, Any], defs: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [] if op.access is Access.PUBLIC else [{"bearer": []}],
        "parameters": [*_path_parameters(op.path), *_query_parameters(schemas.get((op.name, "query")), defs)],
    }
    if op.description:
        spec["description"] = op.description
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas[(op.name, "body")]}},
            "x-max-body-bytes": settings.max_body_bytes,
        }
    ok: dict[str, Any] = {"description": "OK" if op.status != 201 else "Created", "headers": _CACHE_CONTROL}
    if op.response is not None:
        ok["content"] = {"application/json": {"schema": schemas[(op.name, "out")]}}
    responses: dict[str, Any] = {str(op.status) if op.response is not None else "204": ok}
    for status in _error_statuses(op):
        responses[str(status)] = {"description": _REASONS[status], "content": _PROBLEM}
        if status in _HEADERS:
            responses[str(status)]["headers"] = _HEADERS[status]
    spec["responses"] = responses
    return spec


def _error_statuses(op: Operation) -> list[int]:
    statuses = set(op.errors)
    if op.body is not None:
        statuses |= {400, 408, 413, 415, 422}
    if op.query is not None:
        statuses.add(422)
    if "{" in op.path:
        statuses.add(404)
    if op.access is Access.PUBLIC:
        statuses.add(429)
    else:
        statuses.add(401)
    return sorted(statuses)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in re.findall(r"{(\w+)}", path)
    ]


def _query_parameters(schema: dict[str, Any] | None, defs: dict[str, Any]) -> list[dict[str, Any]]:
    if schema is None:
        return []
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _reachable(defs: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """The schemas the paths refer to, directly or through one another.

    Query models are listed as parameters, not by reference, so their own schemas would be unused.
    """
    seen: set[str] = set()
    todo = [paths]
    while todo:
        for name in re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(todo.pop())):
            if name not in seen:
                seen.add(name)
                todo.append(defs[name])
    return {name: schema for name, schema in defs.items() if name in seen}


def _plain_paths() -> dict[str, Any]:
    def text(summary: str, media: str) -> dict[str, Any]:
        return {
            "get": {
                "summary": summary,
                "operationId": summary.split()[0].lower(),
                "tags": ["service"],
                "security": [],
                "responses": {
                    "200": {"description": "OK", "content": {media: {"schema": {}}}},
                    "400": _MALFORMED,
                },
            }
        }

    return {
        "/healthz": text("Healthz: is the service up and its database reachable", "application/json"),
        "/metrics": text("Metrics in Prometheus text format", "text/plain"),
        "/openapi.json": text("Openapi: this document", "application/json"),
    }
