"""Alembic environment: runs migrations on the async engine of the configured database URL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from app.db import make_engine
from app.models import metadata

config = context.config


def run_sync(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    url: str = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or ""
    options: dict[str, Any] = config.attributes.get("engine_options", {})
    engine = make_engine(url, **options)
    async with engine.connect() as connection:
        await connection.run_sync(run_sync)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_async())
