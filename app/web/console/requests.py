"""Shopper requests (address change, swap, cancel) and survey answers (cancellation reasons, feedback)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
