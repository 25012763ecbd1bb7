"""Planner statistics for SQLite, which gathers none by itself (PostgreSQL's autovacuum does): without them SQLite
may read a whole shop through its merchant index where an order's index finds a few rows. A bounded ANALYZE,
run by the scheduler; pooled connections load the new statistics when they are recycled (see app.db)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite, writing

ANALYSIS_LIMIT = 1000  # rows sampled per index: ~10 ms on a large database, near enough for the planner
REFRESH_HOURS = 6


async def refresh_statistics(engine: AsyncEngine) -> int:
    """ANALYZE a SQLite database (nothing on PostgreSQL); the tables now described in sqlite_stat1."""
    if not is_sqlite(engine):
        return 0
    async with writing(engine) as conn:
        await conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        await conn.exec_driver_sql("ANALYZE")
        await conn.exec_driver_sql("ANALYZE sqlite_schema")  # this connection plans with them at once
        found = await conn.exec_driver_sql("SELECT count(DISTINCT tbl) FROM sqlite_stat1")
        return int(found.scalar_one())
