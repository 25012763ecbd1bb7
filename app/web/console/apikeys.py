"""API keys: create (shown once), name, last used, revoke."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
