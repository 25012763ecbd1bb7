"""The merchant console under /console: one module per settings area, each exporting its own `routes`."""

from __future__ import annotations

from starlette.routing import BaseRoute

from app.web.console import (
    analytics,
    apikeys,
    auth,
    branding,
    carriers,
    catalog,
    imports,
    notifications,
    requests,
    shipments,
    team,
    webhooks,
)

routes: list[BaseRoute] = [
    route
    for module in (
        auth,
        branding,
        notifications,
        carriers,
        catalog,
        apikeys,
        shipments,
        requests,
        team,
        imports,
        webhooks,
        analytics,
    )
    for route in module.routes
]
