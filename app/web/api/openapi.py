"""The OpenAPI 3.1 document of /api/v1, built from the operation declarations and the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.web.api.errors import ErrorOut
from app.web.api.framework import Operation
from app.web.api.idempotency import HEADER, MAX_KEY
from app.web.api.inputs import MAX_ID

REF = "#/components/schemas/{model}"
SECURITY = [{"bearer": []}, {"apiKeyHeader": []}]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value; drop the `null` branch pydantic adds for optional fields."""
    schema = {k: v for k, v in schema.items() if k not in {"title", "default"} or (k == "default" and v is not None)}
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    return schema


def _parameters(op: Operation, defs: dict[str, Any], names: dict[type[BaseModel], str]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in op.path_ids:
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema, "example": 1})
    if op.query is not None:
        model = defs[names[op.query]]
        for name, schema in model["properties"].items():
            described = _without_null(schema)
            param = {"name": name, "in": "query", "required": False, "schema": described}
            if "description" in described:
                param["description"] = described.pop("description")
            params.append(param)
    if op.idempotent:
        params.append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": "same key and same request: the first answer again; same key, other request: 422",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
            }
        )
    return params


def _json(ref: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": ref}}


def _operation(op: Operation, refs: dict[Any, dict[str, Any]], defs: dict[str, Any], names: dict[Any, str]) -> Any:
    responses: dict[str, Any] = {}
    for status, (meaning, model) in sorted(op.responses.items()):
        responses[str(status)] = {"description": meaning}
        if model is not None:
            responses[str(status)]["content"] = _json(refs[(model, "serialization")])
    for status, meaning in sorted(op.error_codes.items()):
        responses[str(status)] = {"description": meaning, "content": _json(refs[(ErrorOut, "serialization")])}
    spec: dict[str, Any] = {
        "operationId": f"{op.tag}_{op.handler.__name__}",
        "summary": op.summary,
        "tags": [op.tag],
        "security": SECURITY,
        "parameters": _parameters(op, defs, names),
        "responses": responses,
    }
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": _json(refs[(op.body, "validation")])}
        if op.example is not None:
            spec["requestBody"]["content"]["application/json"]["example"] = op.example
    return spec


def build_document(operations: list[Operation]) -> dict[str, Any]:
    wanted: set[tuple[Any, Any]] = {(ErrorOut, "serialization")}
    for op in operations:
        wanted |= {(model, "serialization") for _, model in op.responses.values() if model is not None}
        wanted |= {(model, "validation") for model in (op.body, op.query) if model is not None}
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template=REF)
    defs: dict[str, Any] = top.get("$defs", {})
    names = {model: refs[(model, mode)]["$ref"].rsplit("/", 1)[1] for model, mode in ordered if mode == "validation"}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs, defs, names)
    for op in operations:  # query models are spelled out as parameters, not referenced
        if op.query is not None:
            defs.pop(names[op.query], None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OrderTrail API",
            "version": "1.0.0",
            "description": "Orders, shipments, products and feedback of one shop, authenticated by the shop's API key.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer otk_…"},
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


@cache
def document() -> dict[str, Any]:
    from app.web.api import OPERATIONS

    return build_document(OPERATIONS)


async def serve_document(request: Request) -> Response:
    return JSONResponse(document())
