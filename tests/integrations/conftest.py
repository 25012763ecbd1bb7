"""Fixtures for integration tests: a runtime whose settings let webhooks reach a local receiver, and that receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.runtime import Runtime
from app.settings import Settings
from carriers.http import make_client
from tests.conftest import CARRIER_TLS, make_settings
from tests.servers import bound_socket, serve_on

RECEIVER_HOST = "127.0.0.2"  # loopback, but not 127.0.0.1: the exemption below covers this one address only


def local_webhook_settings() -> Settings:
    """The test deployment: plain http allowed, and the receiver's one loopback address exempted."""
    return make_settings(webhook_allow_http=True, webhook_allowed_networks=f"{RECEIVER_HOST}/32")


@dataclass
class Receiver:
    """A merchant's webhook receiver: records every request and answers with the queued statuses (then 204)."""

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = Starlette(routes=[Route("/hooks", recv.handle, methods=["POST"])])
    async with serve_on(app, bound_socket(RECEIVER_HOST)) as base:
        recv.url = f"{base}/hooks"
        yield recv


@pytest.fixture
async def rt(engine: AsyncEngine) -> AsyncIterator[Runtime]:
    settings = local_webhook_settings()
    runtime = Runtime(settings=settings, engine=engine, http=make_client(verify=CARRIER_TLS))
    yield runtime
    await runtime.http.aclose()
