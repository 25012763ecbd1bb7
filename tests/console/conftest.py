"""Console fixtures: the whole app on a real loopback port and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.web.app import create_app
from tests.servers import serve


@pytest.fixture
async def base_url(runtime) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base:
        yield base


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        yield http
