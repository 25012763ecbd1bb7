"""Carrier accounts: write-only credentials sealed at rest, and a test-connection button."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
