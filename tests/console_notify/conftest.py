"""Fixtures for the notification settings page: the whole app on a loopback port and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.web.app import create_app
from tests.servers import serve


@pytest.fixture
async def client(runtime) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with (
        serve(create_app(runtime.settings, runtime=runtime)) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as http,
    ):
        yield http
