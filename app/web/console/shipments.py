"""Shipments: searchable list with filters and a detail page with events and messages."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
