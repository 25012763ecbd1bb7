"""A real API server (uvicorn on loopback, in its own thread and event loop) over a fresh database, with a shop key:
for tests that drive the API from synchronous code (schemathesis)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import make_engine
from app.models import metadata
from app.runtime import Runtime
from app.web.app import create_app
from carriers.http import make_client
from tests.conftest import CARRIER_TLS, CLIENT_TLS, DATABASES, POSTGRES_URL, make_settings
from tests.factories import add_shipment, make_merchant
from tests.servers import serve


@dataclass
class Shop:
    """A shop and an HTTP client on the real app that sends the shop's key."""

    merchant_id: int
    key: str
    client: httpx.AsyncClient

    def __getattr__(self, method: str) -> Any:  # get, post, patch, delete with the key
        call = getattr(self.client, method)

        async def with_key(url: str, **kwargs: Any) -> httpx.Response:
            headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
            return await call(url, headers=headers, **kwargs)

        return with_key


@pytest.fixture
async def base_url(runtime: Runtime) -> AsyncIterator[str]:
    """The real app on a loopback port, over the test's database."""
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        yield base


@pytest.fixture
async def shops(runtime: Runtime, base_url: str) -> AsyncIterator[tuple[Shop, Shop]]:
    """Two shops with their own keys, to show each sees only its own data."""
    async with httpx.AsyncClient(base_url=base_url, verify=CLIENT_TLS) as client:
        a_id, a_key = await make_merchant(runtime.engine, "shop-a")
        b_id, b_key = await make_merchant(runtime.engine, "shop-b")
        yield Shop(a_id, a_key, client), Shop(b_id, b_key, client)


@pytest.fixture
async def shop(shops: tuple[Shop, Shop]) -> Shop:
    return shops[0]


@dataclass
class LiveApi:
    base_url: str
    key: str
    other_key: str
    database: str


async def _prepare(url: str, options: dict[str, object]) -> tuple[Runtime, str, str]:
    engine = make_engine(url, **options)  # type: ignore[arg-type]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    merchant_id, key = await make_merchant(engine, "shop-a")
    _, other_key = await make_merchant(engine, "shop-b")
    runtime = Runtime(settings=make_settings(database_url=url), engine=engine, http=make_client(verify=CARRIER_TLS))
    for number in range(1, 4):  # low ids exist, so generated ids sometimes hit a real row
        await add_shipment(
            engine, merchant_id, runtime.settings.secret_key, f"SBDL2900000000{number}", order_number=str(number)
        )
    return runtime, key, other_key


def _run_server(url: str, options: dict[str, object], ready: threading.Event, stop: threading.Event, out: dict) -> None:
    async def main() -> None:
        runtime, key, other_key = await _prepare(url, options)
        try:
            async with serve(create_app(runtime.settings, runtime=runtime)) as base:
                out.update(base_url=base, key=key, other_key=other_key)
                ready.set()
                await asyncio.to_thread(stop.wait)
        finally:
            await runtime.http.aclose()
            await runtime.engine.dispose()

    try:
        asyncio.run(main())
    except BaseException as exc:  # surfaced to the test thread
        out["error"] = exc
        ready.set()


@pytest.fixture(scope="module", params=DATABASES)
def live_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    options: dict[str, object] = {}
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('api')) / 'api.db'}"
    else:
        url, schema = POSTGRES_URL, f"t_{uuid.uuid4().hex[:12]}"
        asyncio.run(_schema(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"server_settings": {"search_path": schema}}}
    ready, stop, out = threading.Event(), threading.Event(), {}
    thread = threading.Thread(target=_run_server, args=(url, options, ready, stop, out), daemon=True)
    thread.start()
    ready.wait(30)
    if "error" in out:
        raise out["error"]
    try:
        yield LiveApi(out["base_url"], out["key"], out["other_key"], request.param)
    finally:
        stop.set()
        thread.join(10)
        if request.param != "sqlite":
            asyncio.run(_schema(f'DROP SCHEMA "{schema}" CASCADE'))


async def _schema(statement: str) -> None:
    admin = make_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(statement))
    await admin.dispose()
