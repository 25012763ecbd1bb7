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


class SyncReads:
    """The `await conn.execute(statement)` of an AsyncConnection over a synchronous engine's connection, checked
    out on the first `execute` (then one snapshot until `close`): each statement runs at once, in the event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.conn: Connection | None = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self.conn is None:
            self.conn = self.engine.connect()
        return self.conn.execute(statement, parameters)

    async def rows(self, statement: DriverQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        if self.conn is None:
            self.conn = self.engine.connect()
        if not self.conn.in_transaction():
            self.conn.begin()  # the reader's BEGIN: every statement of the block reads one snapshot
        compiled = statement.compiled(self.dialect)
        driver = self.conn.connection.driver_connection
        return compiled.convert(driver.execute(compiled.sql, compiled.arguments(parameters)).fetchall())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class LazyReads:
    """An AsyncConnection checked out on the first `execute` only: a block that finds what it needs in memory (a
    fitted estimate model) costs no pool checkout and no rollback round trip."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.conn: AsyncConnection | None = None
        self.driver: Any = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self.conn is None:
            self.conn = await self.engine.connect()
        return await self.conn.execute(statement, parameters)

    async def rows(self, statement: DriverQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Straight on the driver (asyncpg): each statement is its own snapshot, as no transaction is opened."""
        if self.driver is None:
            if self.conn is None:
                self.conn = await self.engine.connect()
            self.driver = (await self.conn.get_raw_connection()).driver_connection
        compiled = statement.compiled(self.dialect)
        return compiled.convert(await self.driver.fetch(compiled.sql, *compiled.arguments(parameters)))

    async def close(self) -> None:
        self.driver = None
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
        finally:
            await reads.close()
        return
    sync = SyncReads(reader)
    try:
        yield sync
    finally:
        sync.close()
