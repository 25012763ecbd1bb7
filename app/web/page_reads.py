"""Short reads for the public pages: on a file-backed SQLite database they run on a synchronous connection in the
event loop (indexed reads of a few rows cost less than aiosqlite's hop to its thread); elsewhere on the async engine.
`rows` runs a DriverQuery on the driver's own connection (one snapshot per block on SQLite, as `execute`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import sync_reader
from app.web.driver_queries import DriverQuery
from app.web.page_connections import PageConnections, page_connections


class SyncReads:
    """The `await conn.execute(statement)` of an AsyncConnection over a synchronous engine's pooled sqlite3
    connection, checked out and begun on first use (one snapshot until `close`): each statement runs at once, in the
    event loop. `rows` goes straight to sqlite3; a SQLAlchemy Connection is wrapped around the same sqlite3
    connection only when a block uses `execute` (its checkout, begin and close cost ~50 µs, a raw block ~12 µs)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.raw: Any = None  # the pool's proxy of one sqlite3 connection
        self.conn: Connection | None = None

    def _driver(self) -> Any:
        if self.raw is None:
            self.raw = self.engine.raw_connection()
            self.raw.driver_connection.execute("BEGIN")  # the block's snapshot starts at its first read
        return self.raw.driver_connection

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self.conn is None:
            self._driver()
            self.conn = Connection(self.engine, connection=self.raw)  # joins the open BEGIN (see db.sync_reader)
        return self.conn.execute(statement, parameters)

    async def rows(self, statement: DriverQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        driver = self._driver()
        compiled = statement.compiled(self.dialect)
        return compiled.convert(driver.execute(compiled.sql, compiled.arguments(parameters)).fetchall())

    def close(self) -> None:
        conn, raw = self.conn, self.raw
        self.conn = self.raw = None
        if conn is not None:
            conn.close()  # rolls back and returns the sqlite3 connection to the pool
        elif raw is not None:
            raw.close()  # the pool's reset-on-return rolls the read transaction back


class LazyReads:
    """A connection checked out on first use only: a block that finds what it needs in memory (a fitted estimate
    model) costs no connection at all. `rows` borrows one of the page connections (app.web.page_connections: no
    SQLAlchemy pool checkout, greenlet hop or reset; ~150 µs less CPU a block); `execute` takes an AsyncConnection
    from the engine's pool, whose connection later `rows` of the block share."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.conn: AsyncConnection | None = None
        self.lent: PageConnections | None = None  # where `driver` came from when `rows` came first
        self.driver: Any = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self.conn is None:
            self.conn = await self.engine.connect()
        return await self.conn.execute(statement, parameters)

    async def rows(self, statement: DriverQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Straight on the driver (asyncpg): each statement is its own snapshot, as no transaction is opened."""
        if self.driver is None:
            if self.conn is not None:
                self.driver = (await self.conn.get_raw_connection()).driver_connection
            else:
                lender = page_connections(self.engine)
                self.driver = await lender.acquire()
                self.lent = lender
        compiled = statement.compiled(self.dialect)
        return compiled.convert(await self.driver.fetch(compiled.sql, *compiled.arguments(parameters)))

    async def close(self, error: BaseException | None = None) -> None:
        driver, self.driver = self.driver, None
        lent, self.lent = self.lent, None
        if lent is not None and driver is not None:  # back to the page connections; a broken one is replaced
            lent.release(driver, error)
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


@asynccontextmanager
async def page_reads(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A connection for reads only: SyncReads on SQLite (one snapshot for the block), LazyReads otherwise."""
    reader = sync_reader(engine)
    if reader is None:
        reads = LazyReads(engine)
        try:
            yield reads
        except BaseException as error:
            await reads.close(error)
            raise
        await reads.close()
        return
    sync = SyncReads(reader)
    try:
        yield sync
    finally:
        sync.close()
