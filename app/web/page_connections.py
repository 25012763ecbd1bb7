"""Connections kept for the public pages' single-statement reads on PostgreSQL: raw asyncpg connections, one lent per
read block, opened when first needed and kept. Lending one costs a queue get and put; SQLAlchemy's pool costs a
greenlet hop and a reset either way, asyncpg's Pool a task per release (docs/design-decisions.md)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import DRIVER_CONNECT_ARGS

# Errors after which a connection is not lent again.
BROKEN = (asyncio.CancelledError, TimeoutError, OSError, asyncpg.InterfaceError)
# Connections a process keeps for page reads, at most: as many as views it serves at once under load (wrk's 32 in
# bench/tracking_page.py; with 16, stored first views' p99 went over 50 ms); a read beyond that waits for one.
PAGE_CONNECTIONS = 32


def driver_connect_args(engine: AsyncEngine) -> tuple[list[Any], dict[str, Any]]:
    """What `asyncpg.connect` takes for the engine's database: the URL's and the engine's connect arguments, with
    the dialect's own options translated (its statement cache size, e.g. 0 behind PgBouncer, is asyncpg's) or left
    out."""
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    kwargs = {**kwargs, **DRIVER_CONNECT_ARGS.get(engine.sync_engine, {})}
    if "prepared_statement_cache_size" in kwargs:
        kwargs.setdefault("statement_cache_size", kwargs.pop("prepared_statement_cache_size"))
    for dialect_only in ("prepared_statement_name_func", "async_creator_fn", "async_fallback"):
        kwargs.pop(dialect_only, None)
    return list(args), kwargs


class PageConnections:
    """Up to `size` asyncpg connections to the engine's database. A slot holds an open connection or None (not
    opened yet, or closed after a failure); `asyncio.Queue` does the waiting, in order, and survives cancellation."""

    def __init__(self, engine: AsyncEngine, size: int = PAGE_CONNECTIONS) -> None:
        self._args, self._kwargs = driver_connect_args(engine)
        self._dialect: Any = engine.dialect
        self._slots: asyncio.LifoQueue[Any] = asyncio.LifoQueue()
        for _ in range(size):
            self._slots.put_nowait(None)
        self._closed = False
        self.loop = asyncio.get_running_loop()

    async def acquire(self) -> Any:
        """A connection, opened if its slot has none; waits for a slot when all are lent."""
        if self._closed:
            raise RuntimeError("page connections closed")
        conn = await self._slots.get()
        if self._closed:  # closed while this read waited for a slot
            if conn is not None:
                conn.terminate()
            self._slots.put_nowait(None)
            raise RuntimeError("page connections closed")
        if conn is not None:
            return conn
        try:
            return await self._open()
        except BaseException:
            self._slots.put_nowait(None)
            raise

    async def _open(self) -> Any:
        conn = await asyncpg.connect(*self._args, **self._kwargs)
        try:
            # JSON and JSONB decoded as on the engine's own connections, by the dialect's hooks for that
            adapted = SimpleNamespace(_connection=conn)
            await self._dialect.setup_asyncpg_json_codec(adapted)
            await self._dialect.setup_asyncpg_jsonb_codec(adapted)
        except BaseException:
            conn.terminate()
            raise
        return conn

    def release(self, conn: Any, error: BaseException | None = None) -> None:
        """Give a connection back. One whose read was cancelled (its reply may still come) or whose socket failed
        is closed, and its slot opens a new one; a database's refusal of a statement leaves it usable."""
        if self._closed or conn.is_closed() or isinstance(error, BROKEN):
            conn.terminate()
            conn = None
        self._slots.put_nowait(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        conn = await self.acquire()
        try:
            yield conn
        except BaseException as error:
            self.release(conn, error)
            raise
        self.release(conn)

    def terminate(self) -> None:
        """Drop every connection without a goodbye: idle ones now, lent ones when they come back."""
        for conn in self._shut():
            conn.terminate()

    async def close(self) -> None:
        """Close every connection: idle ones now, lent ones when they come back."""
        for conn in self._shut():
            if not conn.is_closed():
                await conn.close(timeout=5)

    def _shut(self) -> list[Any]:
        """Refuse further reads and take the idle connections out of their slots."""
        self._closed = True
        idle = []
        while not self._slots.empty():
            conn = self._slots.get_nowait()
            if conn is not None:
                idle.append(conn)
        return idle


_KEPT: weakref.WeakKeyDictionary[Any, PageConnections] = weakref.WeakKeyDictionary()


def page_connections(engine: AsyncEngine) -> PageConnections:
    """The engine's page connections (PostgreSQL only), made on first use in this event loop."""
    sync_engine = engine.sync_engine
    kept = _KEPT.get(sync_engine)
    if kept is None or kept.loop is not asyncio.get_running_loop():  # connections belong to their event loop
        if not event.contains(sync_engine, "engine_disposed", _on_dispose):
            event.listen(sync_engine, "engine_disposed", _on_dispose)
        kept = _KEPT[sync_engine] = PageConnections(engine)
    return kept


def _on_dispose(sync_engine: Any) -> None:
    """An engine disposed without `close_page_connections` first (a script's own engine) leaves none open."""
    kept = _KEPT.pop(sync_engine, None)
    if kept is not None:
        kept.terminate()


async def close_page_connections(engine: AsyncEngine) -> None:
    kept = _KEPT.pop(engine.sync_engine, None)
    if kept is not None:
        await kept.close()
