"""The Starlette application factory: routes, static files, security headers, and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.channels import default_channels
from app.runtime import Runtime
from app.scheduler import build_scheduler
from app.settings import Settings
from app.web import api, carrier_webhooks, console, public, shopify_webhooks, survey, unsubscribe
from app.web.headers import SecurityHeaders
from app.web.page_events import close_page_events
from carriers.sandbox.server import create_sandbox_app

STATIC = Path(__file__).resolve().parent.parent.parent / "static"


async def health(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


async def page_not_found(request: Request, exc: Exception) -> Response:
    return public.not_found(request)


def create_app(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    scheduler: bool = False,
    extra_mounts: list[Mount] | None = None,
) -> Starlette:
    """The web app. With `runtime` the caller owns it (tests); else the lifespan creates and closes one."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = runtime or Runtime.create(settings)
        if not rt.channels:
            rt.channels.update(default_channels(settings))
        app.state.runtime = rt
        jobs = build_scheduler(rt) if scheduler else None
        if jobs:
            jobs.start()
        try:
            yield
        finally:
            if jobs:
                jobs.shutdown(wait=False)
            await close_page_events(app.state)
            if runtime is None:
                await rt.close()

    # Each area exports its own `routes`; the tracking page first, the shop lookup form (`/{shop}/track`) last.
    routes = [
        *public.page_routes,
        Route("/healthz", health),
        Route("/u/{merchant_id}/{channel}/{token}", unsubscribe.unsubscribe, methods=["GET", "POST"]),
        Route("/webhooks/carriers/{carrier}/{account_id:int}", carrier_webhooks.receive, methods=["POST"]),
        *shopify_webhooks.routes,
        *api.routes,
        *survey.routes,
        Mount("/console", routes=console.routes),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/sandbox-carrier", create_sandbox_app(api_key=settings.sandbox_api_key, speed=settings.sandbox_speed)),
        *(extra_mounts or []),
        *public.lookup_routes,
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: page_not_found})
    if runtime is not None:
        app.state.runtime = runtime
    app.add_middleware(SecurityHeaders)
    return app
