"""UTC times read back from SQLite through the engine's fast path are the very values sqlmodel's UTCDateTime gives,
for every shape a SQLite column may hold; binds are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text
from sqlalchemy.dialects import sqlite
from sqlmodel.sql.sqltypes import UTCDateTime

from app.db import make_engine, sync_reader
from app.models import Merchant
from app.sqlite_times import SQLiteUTCDateTime

M = Merchant.__table__
MOMENTS = Table("moments", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
STORED = [
    "2026-11-23 08:00:01.123456",  # what SQLAlchemy writes
    "2026-11-23 08:00:01",
    "2026-11-23T08:00:01",
    "2026-11-23 08:00:01+02:00",  # written with an offset by another tool: UTCDateTime's own processor
    "2026-11-23 08:00",
]


def test_fast_reads_equal_utcdatetime_reads() -> None:
    column = M.c.created_at
    plain = column.type._cached_result_processor(sqlite.dialect(), None)
    fast_dialect = sqlite.dialect()
    fast_dialect.colspecs = {**fast_dialect.colspecs, type(column.type): SQLiteUTCDateTime}
    fast = column.type._cached_result_processor(fast_dialect, None)
    assert fast is not plain
    for value in [*STORED, None]:
        expected, got = plain(value), fast(value)
        assert got == expected and (got is None or got.utcoffset() == timedelta(0)), value
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5)))
    bind_plain, bind_fast = (
        column.type._cached_bind_processor(sqlite.dialect()),
        column.type._cached_bind_processor(fast_dialect),
    )
    assert bind_fast(moment) == bind_plain(moment) == "2026-01-02 08:04:05.000006"
    with pytest.raises(ValueError):
        bind_fast(datetime(2026, 1, 2))  # naive times are refused as before


async def test_engines_read_stored_times_as_aware_utc(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'times.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(MOMENTS.metadata.create_all)
            for stored in STORED:
                await conn.execute(text("INSERT INTO moments (at) VALUES (:at)"), {"at": stored})
        async with engine.connect() as conn:
            read = [row[0] for row in await conn.execute(select(MOMENTS.c.at).order_by(MOMENTS.c.id))]
        reader = sync_reader(engine)
        assert reader is not None
        with reader.connect() as conn:
            read_sync = [row[0] for row in conn.execute(select(MOMENTS.c.at).order_by(MOMENTS.c.id))]
        assert read == read_sync
        assert read[0] == datetime(2026, 11, 23, 8, 0, 1, 123456, tzinfo=UTC)
        assert read[3] == datetime(2026, 11, 23, 6, 0, 1, tzinfo=UTC)
        assert all(moment.tzinfo is UTC for moment in read)
    finally:
        await engine.dispose()
