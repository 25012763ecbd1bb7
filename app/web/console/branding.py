"""Branding settings with live preview of the tracking page and an email; logo upload."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
