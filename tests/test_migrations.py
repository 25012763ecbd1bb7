"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.db import make_engine
from app.migrate import upgrade
from app.models import metadata
from app.models.pages import page_revision_triggers


async def test_upgrade_head_matches_models(database) -> None:
    await asyncio.to_thread(upgrade, database.url, **database.options)
    engine = make_engine(database.url, **database.options)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgres": (
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND NOT t.tgisinternal"
    ),
}


async def test_upgrade_head_makes_the_page_revision_triggers(database) -> None:
    """Triggers are not compared by Alembic: the migrated database must have those the models' DDL makes."""
    await asyncio.to_thread(upgrade, database.url, **database.options)
    engine = make_engine(database.url, **database.options)
    try:
        async with engine.connect() as conn:
            names = set((await conn.execute(text(TRIGGERS[database.kind]))).scalars())
    finally:
        await engine.dispose()
    assert names == set(page_revision_triggers())
