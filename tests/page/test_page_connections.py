"""The page connections on PostgreSQL: a read block borrows a kept asyncpg connection instead of a pool checkout;
a connection comes back to be lent again unless its read was cancelled or its socket failed, and never more are
opened than the set's size, however many blocks read at once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import select

from app.db import DRIVER_CONNECT_ARGS, make_engine
from app.models import Merchant
from app.web.driver_queries import DriverQuery
from app.web.page_connections import (
    PageConnections,
    close_page_connections,
    driver_connect_args,
    page_connections,
)
from app.web.page_reads import LazyReads, page_reads
from tests.page.conftest import Shop

M = Merchant.__table__


@pytest.fixture
def postgres(runtime):
    if runtime.engine.dialect.name == "sqlite":
        pytest.skip("SQLite page reads run on a synchronous sqlite3 connection")
    return runtime.engine


async def test_a_read_block_borrows_a_kept_connection_not_a_pool_checkout(postgres, shop: Shop) -> None:
    pool = postgres.pool
    before = pool.checkedout()
    seen = []
    for _ in range(3):
        async with page_reads(postgres) as conn:
            assert isinstance(conn, LazyReads)
            assert await conn.rows(DriverQuery(select(M.c.id, M.c.header_links)), {}) == [(shop.merchant_id, [])]
            assert pool.checkedout() == before
            seen.append(conn.driver)
    assert seen[0] is seen[1] is seen[2] and not seen[0].is_closed()


async def test_a_cancelled_read_closes_its_connection_and_the_next_block_gets_a_new_one(postgres) -> None:
    kept = page_connections(postgres)
    started = asyncio.Event()
    lent = []

    async def slow() -> None:
        async with kept.connection() as conn:
            lent.append(conn)
            started.set()
            await conn.fetch("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert lent[0].is_closed()
    async with kept.connection() as conn:
        assert conn is not lent[0] and await conn.fetchval("SELECT 41 + 1") == 42


async def test_a_refused_statement_keeps_the_connection_for_the_next_block(postgres) -> None:
    kept = page_connections(postgres)
    with pytest.raises(asyncpg.PostgresError):
        async with kept.connection() as conn:
            first = conn
            await conn.fetch("SELECT * FROM no_such_table")
    async with kept.connection() as conn:
        assert conn is first and await conn.fetchval("SELECT 1") == 1


async def test_blocks_beyond_the_size_wait_for_a_connection(postgres) -> None:
    kept = PageConnections(postgres, size=2)
    opened: set[int] = set()
    busy = 0
    most = 0

    async def read(n: int) -> int:
        nonlocal busy, most
        async with kept.connection() as conn:
            busy += 1
            most = max(most, busy)
            opened.add(id(conn))
            value = await conn.fetchval("SELECT $1::int FROM pg_sleep(0.02)", n)
            busy -= 1
            return value

    assert await asyncio.gather(*(read(n) for n in range(8))) == list(range(8))
    assert most == 2 and len(opened) == 2
    await kept.close()
    with pytest.raises(RuntimeError, match="closed"):
        await kept.acquire()


async def test_closing_ends_idle_connections_now_and_lent_ones_when_they_return(postgres) -> None:
    kept = PageConnections(postgres, size=2)
    idle = await kept.acquire()
    kept.release(idle)
    lent = await kept.acquire()
    assert lent is idle
    other = await kept.acquire()
    kept.release(other)
    await kept.close()
    assert other.is_closed() and not lent.is_closed()
    assert await lent.fetchval("SELECT 1") == 1  # a read in flight finishes
    kept.release(lent)
    assert lent.is_closed()


async def test_an_engine_disposed_directly_leaves_no_page_connection_open(postgres) -> None:
    kept = page_connections(postgres)
    async with kept.connection() as conn:
        assert await conn.fetchval("SELECT 1") == 1
    await postgres.dispose()
    assert conn.is_closed()
    async with page_connections(postgres).connection() as again:  # the engine serves on, with new connections
        assert again is not conn and await again.fetchval("SELECT 2") == 2


async def test_a_read_waiting_for_a_slot_when_they_close_is_refused(postgres) -> None:
    kept = PageConnections(postgres, size=1)
    lent = await kept.acquire()
    waiting = asyncio.create_task(kept.acquire())
    await asyncio.sleep(0.01)
    await kept.close()
    kept.release(lent)
    with pytest.raises(RuntimeError, match="closed"):
        await waiting
    assert lent.is_closed()


async def test_the_dialects_statement_cache_setting_reaches_the_page_connections(postgres) -> None:
    """Behind PgBouncer's transaction pooling the URL turns statement caching off; asyncpg would refuse the
    dialect's own name for it."""
    url = postgres.url.update_query_dict({"prepared_statement_cache_size": "0"})
    schema = DRIVER_CONNECT_ARGS[postgres.sync_engine]  # the test's own search path
    engine = make_engine(url.render_as_string(hide_password=False), connect_args=schema)
    try:
        _, kwargs = driver_connect_args(engine)
        assert kwargs["statement_cache_size"] == 0 and "prepared_statement_cache_size" not in kwargs
        async with page_connections(engine).connection() as conn:
            for _ in range(2):
                assert await conn.fetchval("SELECT count(*) FROM merchant") == 0
            assert await conn.fetchval("SELECT count(*) FROM pg_prepared_statements") == 0  # none kept by name
    finally:
        await close_page_connections(engine)
        await engine.dispose()
