"""Analytics dashboard: page visits, message funnel, delivery performance, recommendations, feedback, holdout."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
