"""A real server for the console pages and a signed-in client for shop A (shop B exists with its own data)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from app.web.app import create_app
from tests.conftest import CLIENT_TLS
from tests.factories import make_merchant
from tests.servers import serve


@dataclass
class Console:
    client: httpx.AsyncClient
    base: str
    shop: int
    other: int
    csrf: str

    def form(self, **fields: str) -> dict[str, str]:
        return {"csrf_token": self.csrf, **fields}

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.base}


@pytest.fixture
async def console_server(runtime) -> AsyncIterator[str]:
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        yield base


@pytest.fixture
async def console(console_server: str, runtime) -> AsyncIterator[Console]:
    from tests.console_support import sign_in

    shop, _ = await make_merchant(runtime.engine, "acme")
    other, _ = await make_merchant(runtime.engine, "other")
    async with httpx.AsyncClient(base_url=console_server, verify=CLIENT_TLS) as client:
        csrf = await sign_in(client, runtime.engine, shop)
        yield Console(client, console_server, shop, other, csrf)
