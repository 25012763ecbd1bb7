"""Shopper answers from messages: the cancellation reason survey, the delivery feedback score, email open and
click tracking. Links are signed; nothing here needs a login."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
