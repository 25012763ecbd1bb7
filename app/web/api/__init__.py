"""REST API v1 (`/api/v1`): orders, shipments, products and feedback of one shop, with its OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from app.web.api import feedback, orders, products, shipments
from app.web.api.framework import Operation
from app.web.api.openapi import serve_document
from app.web.api.router import build_routes

OPERATIONS: list[Operation] = [*orders.operations, *shipments.operations, *products.operations, *feedback.operations]

routes: list[BaseRoute] = [
    Route("/api/v1/openapi.json", serve_document, methods=["GET"]),
    *build_routes(OPERATIONS),
]
