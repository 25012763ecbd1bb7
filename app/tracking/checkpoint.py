"""On SQLite, the poller copies the pages it committed from the write-ahead log into the database file itself
(a PASSIVE checkpoint) after each polled batch, outside the writer lock.

SQLite's own automatic checkpoint runs inside the COMMIT that crosses its threshold, so the committing batch holds
the writer lock (and its pipeline) through the page copy and its fsync: at 100,000 shipments that wait was
about 40 % of a sweep's time. A PASSIVE checkpoint neither waits for nor blocks readers and writers, so the other
pipeline claims and writes meanwhile. app.db raises the automatic threshold (`WAL_AUTOCHECKPOINT_PAGES`), the safety
net for writers that do not checkpoint themselves (web requests, carrier pushes: small writes that an fsync per
request would slow down).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite

log = logging.getLogger("ordertrail.poll")

_RUNNING: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


async def checkpoint_wal(engine: AsyncEngine) -> None:
    """Copy committed log pages into the database (PASSIVE); nothing on PostgreSQL or an in-memory database,
    and nothing when a checkpoint of this engine already runs (it copies these pages, or the next one does)."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return
    lock = _RUNNING.get(engine.sync_engine)
    if lock is None:
        lock = _RUNNING[engine.sync_engine] = asyncio.Lock()
    if lock.locked():
        return
    async with lock, engine.connect() as conn:
        # Straight to the driver: SQLAlchemy would open a transaction first, and a checkpoint cannot run in one.
        raw = await conn.get_raw_connection()
        try:
            cursor = await raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            await cursor.close()
        except sqlite3.OperationalError as exc:  # e.g. another process checkpoints: its copy serves as well
            log.debug("WAL checkpoint skipped: %s", exc)
