"""SQLite's planner statistics: the scheduler's bounded ANALYZE describes the tables, a connection opened afterwards
plans with them (an order's shipments by the order's index, not by the shop's), and PostgreSQL is left alone."""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url

from app.db import SQLITE_CONNECTION_SECONDS
from app.scheduler import build_scheduler
from app.sqlite_statistics import refresh_statistics
from tests.factories import add_shipment, make_merchant

SHOP_AND_ORDER = "EXPLAIN QUERY PLAN SELECT id FROM shipment WHERE merchant_id = ? AND order_id = ?"


async def test_statistics_describe_the_tables_and_steer_new_connections(runtime) -> None:
    engine = runtime.engine
    merchant_id, _ = await make_merchant(engine)
    for n in range(12):
        await add_shipment(engine, merchant_id, runtime.settings.secret_key, f"SBX{n:08d}", order_number=f"{n}")
    described = await refresh_statistics(engine)
    if engine.dialect.name != "sqlite":
        assert described == 0
        return
    assert described >= 4  # merchant, api_key, shop_order, shipment at least
    assert engine.sync_engine.pool._recycle == SQLITE_CONNECTION_SECONDS  # pooled connections reload them
    with sqlite3.connect(make_url(str(engine.url)).database) as fresh:
        stats = dict(fresh.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'shipment'").fetchall())
        assert stats["ix_shipment_merchant_created"].split()[:2] == ["12", "12"]  # one shop holds all twelve
        assert stats["ix_shipment_order_id"].split() == ["12", "1"]
        plan = [row[3] for row in fresh.execute(SHOP_AND_ORDER, (merchant_id, 1))]
    assert any("ix_shipment_order_id" in step for step in plan), plan


async def test_the_scheduler_refreshes_statistics(runtime) -> None:
    assert build_scheduler(runtime).get_job("statistics") is not None
