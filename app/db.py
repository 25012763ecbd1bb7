"""The async engine (aiosqlite in WAL mode, or asyncpg) and transaction helpers.

On SQLite, write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then
writes fails at once with SQLITE_BUSY when another writer holds the lock, busy_timeout or not.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.sqlite_times import read_utc_times_fast

# SQLite's automatic checkpoint threshold, in pages of the write-ahead log (its default is 1,000, ~4 MiB). The poller
# checkpoints after each batch outside the writer lock (app.tracking.checkpoint); this is the safety net for writers
# that do not, at a size one poll batch of a large database does not cross by itself.
WAL_AUTOCHECKPOINT_PAGES = 10_000
# A SQLite connection loads the planner's statistics (app.sqlite_statistics) when it opens: pooled connections are
# replaced after this long, so every process plans with statistics at most this old.
SQLITE_CONNECTION_SECONDS = 3600


POSTGRES_POOL_SIZE = 10
# What each PostgreSQL engine was given to pass to the driver's connect, for connections opened beside its pool
# (app.web.page_connections).
DRIVER_CONNECT_ARGS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # The tracking page's reads have their own connections (app.web.page_connections); this pool serves the
        # rest: the console, the API, the worker's transactions. Connections are opened only when used.
        kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
        kwargs.setdefault("max_overflow", 10)
        engine = create_async_engine(url, pool_pre_ping=False, **kwargs)
        DRIVER_CONNECT_ARGS[engine.sync_engine] = dict(kwargs.get("connect_args", {}))
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("pool_recycle", SQLITE_CONNECTION_SECONDS)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    read_utc_times_fast(engine.sync_engine.dialect)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def insert_for(conn: AsyncConnection, table: Any) -> Any:
    """The dialect's INSERT (SQLite or PostgreSQL), which has `on_conflict_do_nothing` / `_do_update`."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (sqlite_insert if conn.dialect.name == "sqlite" else pg_insert)(table)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction: committed on success, rolled back on error."""
    async with engine.connect() as conn:
        if is_sqlite(engine):
            conn = await conn.execution_options(sqlite_immediate=True)
        async with conn.begin():
            yield conn


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        yield conn


_sync_readers: weakref.WeakKeyDictionary[AsyncEngine, Engine] = weakref.WeakKeyDictionary()


def sync_reader(engine: AsyncEngine) -> Engine | None:
    """For a file-backed SQLite database, a synchronous read-only engine on the same file, for short indexed reads
    made directly in the event loop (no hop to aiosqlite's thread); None for PostgreSQL or an in-memory database.

    Its connections begin a transaction on first use (one snapshot per `connect()` block) and may not write."""
    found = _sync_readers.get(engine)
    if found is not None:
        return found
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    reader = create_engine(
        url.set(drivername="sqlite+pysqlite"),
        connect_args={"check_same_thread": False, "timeout": 5},
        pool_size=4,
        max_overflow=16,
        pool_recycle=SQLITE_CONNECTION_SECONDS,
    )
    read_utc_times_fast(reader.dialect)

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is emitted below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(reader, "begin")
    def _on_begin(conn: Any) -> None:
        driver = conn.connection.driver_connection
        if not driver.in_transaction:  # a block that read through `rows` first has begun already
            driver.execute("BEGIN")  # straight to sqlite3

    _sync_readers[engine] = reader
    weakref.finalize(engine, reader.dispose)
    return reader
