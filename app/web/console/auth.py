"""Sign-in, sign-out, password reset and invitation acceptance."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
