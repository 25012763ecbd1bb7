"""Products and recommendation rules: catalogue CSV upload, manual rules, bought-together switch, preview."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
