"""Driver-bound executemany writes exactly the values Core writes (times, dates, booleans, JSON, NULLs)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.sql.sqltypes import UTCDateTime

from app.db import writing
from app.tracking.bulk import DriverStatement, DriverStatements

PARIS_WINTER = timezone(timedelta(hours=1))


def sample_table(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(40)),
        Column("at", UTCDateTime()),
        Column("day", Date),
        Column("flag", Boolean),
        Column("doc", JSON),
    )


ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "label": "a",
        "at": datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=PARIS_WINTER),
        "day": date(2026, 11, 24),
        "flag": True,
        "doc": {"k": [1, "é"]},
    },
    {"id": 2, "label": "", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "day": None, "flag": False, "doc": None},
]


async def raw_rows(engine: AsyncEngine, table: Table) -> list[tuple[Any, ...]]:
    async with writing(engine) as conn:
        result = await conn.exec_driver_sql(f"SELECT id, label, at, day, flag, doc FROM {table.name} ORDER BY id")
        return [tuple(row) for row in result]


@pytest.fixture
async def tables(engine: AsyncEngine) -> tuple[Table, Table]:
    metadata = MetaData()
    by_core, by_driver = sample_table("bulk_core", metadata), sample_table("bulk_driver", metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return by_core, by_driver


async def test_insert_stores_what_core_stores(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    by_core, by_driver = tables
    columns = ["id", "label", "at", "day", "flag", "doc"]
    async with writing(engine) as conn:
        await conn.execute(insert(by_core), ROWS)
        statement = DriverStatement(insert(by_driver), conn.dialect, columns)
        assert await statement.executemany(conn, ROWS) in (2, -1)
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)


async def test_update_by_key_stores_what_core_stores(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    by_core, by_driver = tables
    changes = [
        {"b_id": 1, "at": datetime(2026, 11, 23, 0, 0, 1, tzinfo=PARIS_WINTER), "day": None, "flag": False},
        {"b_id": 2, "at": None, "day": date(2026, 12, 1), "flag": True},
    ]
    async with writing(engine) as conn:
        await conn.execute(insert(by_core), ROWS)
        await conn.execute(insert(by_driver), ROWS)

        def change(table: Table) -> Any:
            values = {k: bindparam(k) for k in ("at", "day", "flag")}
            return update(table).where(table.c.id == bindparam("b_id")).values(values)

        await conn.execute(change(by_core), changes)
        statements = DriverStatements()
        statement = statements.get(conn.dialect, "change", lambda: change(by_driver))
        assert statements.get(conn.dialect, "change", lambda: change(by_core)) is statement  # compiled once
        await statement.executemany(conn, changes)
        assert await statement.executemany(conn, []) == 0
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)
