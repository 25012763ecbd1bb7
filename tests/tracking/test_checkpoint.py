"""After a polled batch, the SQLite write-ahead log is copied into the database file (PostgreSQL: nothing to do)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import WAL_AUTOCHECKPOINT_PAGES, is_sqlite, reading, writing
from app.runtime import Runtime
from app.tracking import poller
from app.tracking.checkpoint import checkpoint_wal
from bench.poll_sweep import seed
from carriers.http import make_client
from tests.conftest import make_settings


async def _write_rows(engine: AsyncEngine, table: Table, count: int) -> None:
    async with writing(engine) as conn:
        await conn.execute(insert(table), [{"label": f"row {n}" * 20} for n in range(count)])


def _database_bytes(engine: AsyncEngine) -> int:
    """Size of the SQLite database file itself (committed pages still only in the log are not in it)."""
    return Path(str(engine.url.database)).stat().st_size


async def test_checkpoint_copies_the_committed_log(engine: AsyncEngine) -> None:
    table = Table("checkpoint_rows", MetaData(), Column("id", Integer, primary_key=True), Column("label", String))
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    await _write_rows(engine, table, 500)
    before = _database_bytes(engine) if is_sqlite(engine) else 0
    # Two batches finishing together: one checkpoint runs, the other leaves it the work; neither fails.
    await asyncio.gather(checkpoint_wal(engine), checkpoint_wal(engine))
    if is_sqlite(engine):
        assert _database_bytes(engine) >= before + 500 * 100  # the rows' pages are now in the database file
    async with reading(engine) as conn:
        assert await conn.scalar(select(func.count()).select_from(table)) == 500


async def test_sqlite_connections_checkpoint_automatically_only_past_the_larger_threshold(engine: AsyncEngine) -> None:
    if not is_sqlite(engine):
        return
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == WAL_AUTOCHECKPOINT_PAGES


async def test_poll_checkpoints_after_each_polled_batch(
    engine: AsyncEngine, clock: Any, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.now = clock.now.replace(second=0)
    await seed(engine, 30, now)
    calls: list[AsyncEngine] = []

    async def watched(target: AsyncEngine) -> None:
        calls.append(target)
        await checkpoint_wal(target)

    monkeypatch.setattr(poller, "checkpoint_wal", watched)
    rt = Runtime(
        settings=make_settings(sandbox_carrier_url=sandbox_url, poll_batch_size=10), engine=engine, http=make_client()
    )
    try:
        report = await poller.poll_once(rt, now=now)
    finally:
        await rt.http.aclose()
    assert report.claimed == 30 and report.chunks == 3
    assert calls == [engine] * 3  # one per polled batch, once its write transaction is over
