"""Shared fixtures: a database per test (SQLite always; PostgreSQL too when ORDERTRAIL_TEST_POSTGRES_URL is set),
real loopback servers for the sandbox carrier and SMTP, and a runtime wired to them."""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import make_engine
from app.models import metadata
from app.runtime import Runtime
from app.settings import Settings
from app.web.page_connections import close_page_connections
from carriers.http import make_client
from carriers.sandbox.server import create_sandbox_app
from notifications.channels.email import SmtpEmailChannel
from notifications.mail_catcher import MailCatcher, start_smtp
from tests.databases import PostgresSchemas, SqliteTemplate
from tests.servers import serve

POSTGRES_URL = os.environ.get("ORDERTRAIL_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]

# The TLS contexts of the clients the fixtures make, built once per test process just as each client would build its
# own: building one reads the whole CA bundle (~30 ms) and every test makes clients (which talk plain HTTP here).
CARRIER_TLS = ssl.create_default_context()  # carriers.http.CarrierTransport's for verify=True
CLIENT_TLS = httpx.create_ssl_context()  # httpx.AsyncClient's for verify=True


@dataclass
class Database:
    kind: str
    url: str
    options: dict[str, object]
    tables: bool = False  # the models' tables are there already (when the test uses `engine`)


SQLITE_TEMPLATE = SqliteTemplate()
POSTGRES_SCHEMAS = PostgresSchemas(POSTGRES_URL)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schemas() -> Iterator[None]:
    """The PostgreSQL schemas this test process kept for reuse are dropped when it ends."""
    yield
    POSTGRES_SCHEMAS.close()


@pytest.fixture(params=DATABASES)
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards. For a test that uses
    `engine`, it holds the models' tables already, all empty: a copy of a template file, or a schema that is put
    back as new after the test and used again (see tests/databases.py)."""
    tables = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if tables:
            await SQLITE_TEMPLATE.copy_to(path, tmp_path_factory.getbasetemp())
        yield Database("sqlite", f"sqlite+aiosqlite:///{path}", {}, tables)
        return
    schema = await (POSTGRES_SCHEMAS.take() if tables else POSTGRES_SCHEMAS.create_empty())
    try:
        options: dict[str, object] = {"connect_args": {"server_settings": {"search_path": schema}}}
        yield Database("postgres", POSTGRES_URL, options, tables)
    finally:
        if tables:
            POSTGRES_SCHEMAS.give_back(schema)
        else:
            await POSTGRES_SCHEMAS.drop(schema)


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database.url, **database.options)  # type: ignore[arg-type]
    if not database.tables:
        async with eng.begin() as conn:
            await conn.run_sync(metadata.create_all)
    yield eng
    await close_page_connections(eng)
    await eng.dispose()


class Clock:
    """A settable 'now' shared by the sandbox carrier and the pipeline under test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def sandbox_url(clock: Clock) -> AsyncIterator[str]:
    """The sandbox carrier on a real loopback port, at speed 1 and on the test clock."""
    app = create_sandbox_app(api_key="test-sandbox-key", speed=1.0, clock=clock)
    async with serve(app) as url:
        yield url


@pytest.fixture
async def mailbox() -> AsyncIterator[tuple[MailCatcher, int]]:
    """A real SMTP server (aiosmtpd) on a loopback port that keeps what it receives."""
    catcher = MailCatcher()
    server = await start_smtp(catcher, "127.0.0.1", 0)  # a free port, bound at once
    port = int(server.sockets[0].getsockname()[1])
    yield catcher, port
    server.close()
    await server.wait_closed()


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "base_url": "http://track.test",
        "secret_key": "test-secret-key-0123456789abcdef0123456789",
        "sandbox_api_key": "test-sandbox-key",
        "sandbox_speed": 1.0,
        "mail_from": "updates@track.test",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def runtime(engine: AsyncEngine, sandbox_url: str, mailbox: tuple[MailCatcher, int]) -> AsyncIterator[Runtime]:
    _, smtp_port = mailbox
    settings = make_settings(sandbox_carrier_url=sandbox_url, smtp_port=smtp_port)
    rt = Runtime(settings=settings, engine=engine, http=make_client(verify=CARRIER_TLS))
    rt.channels["email"] = SmtpEmailChannel("127.0.0.1", smtp_port, connections=2, timeout=5)
    yield rt
    for channel in rt.channels.values():
        await channel.close()
    await rt.http.aclose()
