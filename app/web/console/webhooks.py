"""Outbound webhook endpoints and their delivery attempts."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
