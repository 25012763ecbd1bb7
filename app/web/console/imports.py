"""CSV order import from the console, with a per-row report."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
