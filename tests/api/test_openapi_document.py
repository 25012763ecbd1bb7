"""The OpenAPI document is complete and self-consistent: every route is in it (and nothing else), every reference
resolves, every operation lists the errors its pipeline can answer, and schemas are the pydantic models' own."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from app.ingest.schemas import OrderIn
from app.web.api import OPERATIONS, routes
from app.web.api.openapi import build_document

DOC = build_document(OPERATIONS)
METHODS = {"get", "post", "put", "patch", "delete"}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_every_route_is_documented_and_nothing_else() -> None:
    served = {
        (method.lower(), route.path)
        for route in routes
        if isinstance(route, Route) and route.path != "/api/v1/openapi.json" and "{rest:path}" not in route.path
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(method, path) for path, ops in DOC["paths"].items() for method in ops if method in METHODS}
    assert served == documented and len(documented) == 14


def test_references_resolve_and_operation_ids_are_unique() -> None:
    schemas = DOC["components"]["schemas"]
    for ref in refs(DOC):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    ids = [op["operationId"] for ops in DOC["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_each_operation_lists_the_answers_its_pipeline_can_give() -> None:
    for path, ops in DOC["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert "401" in codes and op["security"], (method, path)
            assert any(code.startswith("2") for code in codes)
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if any(p["name"] == "Idempotency-Key" for p in op["parameters"]):
                assert {"409", "422"} <= codes and method == "post"
            for code, answer in op["responses"].items():
                if code != "204":
                    assert set(answer["content"]) == {"application/json"}


def test_schemas_are_generated_from_the_models() -> None:
    documented = DOC["components"]["schemas"]["OrderIn"]
    generated = OrderIn.model_json_schema(ref_template="#/components/schemas/{model}")
    generated.pop("$defs", None)
    assert documented == generated
    assert DOC["openapi"] == "3.1.0"
    assert DOC["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer otk_…",
    }
