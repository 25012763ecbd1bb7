"""Short reads for the public pages: on a file-backed SQLite database they run on a synchronous connection in the
event loop (indexed reads of a few rows cost less than aiosqlite's hop to its thread); elsewhere on the async engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, sync_reader


class SyncReads:
    """The `await conn.execute(statement)` of an AsyncConnection over a synchronous connection: runs at once."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self.conn.execute(statement, parameters)


@asynccontextmanager
async def page_reads(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A connection for reads only, one snapshot for the block: SyncReads on SQLite, an AsyncConnection otherwise."""
    reader = sync_reader(engine)
    if reader is None:
        async with reading(engine) as conn:
            yield conn
        return
    with reader.connect() as conn:
        yield SyncReads(conn)
