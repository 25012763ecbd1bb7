"""Shared fixtures: a database per test (SQLite always; PostgreSQL too when ORDERTRAIL_TEST_POSTGRES_URL is set),
real loopback servers for the sandbox carrier and SMTP, and a runtime wired to them."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import make_engine
from app.models import metadata
from app.runtime import Runtime
from app.settings import Settings
from carriers.http import make_client
from carriers.sandbox.server import create_sandbox_app
from notifications.channels.email import SmtpEmailChannel
from notifications.mail_catcher import MailCatcher, start_smtp
from tests.servers import serve

POSTGRES_URL = os.environ.get("ORDERTRAIL_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


@dataclass
class Database:
    kind: str
    url: str
    options: dict[str, object]


@pytest.fixture(params=DATABASES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'test.db'}", {})
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("postgres", POSTGRES_URL, {"connect_args": {"server_settings": {"search_path": schema}}})
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database.url, **database.options)  # type: ignore[arg-type]
    async with eng.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield eng
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
    rt = Runtime(settings=settings, engine=engine, http=make_client())
    rt.channels["email"] = SmtpEmailChannel("127.0.0.1", smtp_port, connections=2, timeout=5)
    yield rt
    for channel in rt.channels.values():
        await channel.close()
    await rt.http.aclose()
