"""The page finds its rows through the token and the order, never by walking the shop: on a SQLite database that
has not been analyzed, a shop-wide condition in SQL let the planner read every shipment and request of the shop
on each view. The shop is checked on the rows read: another shop's rows on the same order are never shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlalchemy.dialects import sqlite

from app.db import writing
from app.ingest.parcel_items import set_parcel_items
from app.ingest.schemas import ParcelItemIn
from app.models import ChangeRequest, Shipment
from app.web.driver_queries import DriverQuery
from app.web.pages_data import _ON_DRIVER, _SIBLINGS, _VERSION_ON_DRIVER, by_token, shipment_by_number
from tests.factories import make_merchant
from tests.page.conftest import Shop, at_state

CR, SH = ChangeRequest.__table__, Shipment.__table__
SHOP_WIDE = re.compile(r"\(merchant_id=\?\)")  # an index search on the shop alone


async def test_page_reads_never_search_the_shop_alone_on_an_unanalyzed_sqlite_database(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its statistics itself (autovacuum)")
    statements = {**_ON_DRIVER, "version": _VERSION_ON_DRIVER, "siblings": DriverQuery(_SIBLINGS)}
    async with engine.connect() as conn:
        assert (
            await conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'")
        ).scalar() == 0
        for name, query in statements.items():
            compiled = query.compiled(sqlite.dialect())
            plan = [
                row[3]
                for row in await conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled.sql}", (None,) * len(compiled.names)
                )
            ]
            assert plan and not [step for step in plan if SHOP_WIDE.search(step)], (name, plan)


async def test_another_shops_rows_on_the_order_are_not_shown(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    other, _ = await make_merchant(runtime.engine, slug="elsewhere")
    async with writing(runtime.engine) as conn:
        for merchant_id, kind in ((shop.merchant_id, "address"), (other, "cancel")):
            await conn.execute(
                CR.insert().values(
                    merchant_id=merchant_id, order_id=made.order_id, kind=kind, details={}, created_at=clock()
                )
            )
    second = await at_state(runtime, clock, shop, "in_transit", serial=7)
    assert second.order_id == made.order_id
    async with writing(runtime.engine) as conn:  # the order's second shipment, filed under another shop
        for each in (made, second):
            wanted = [ParcelItemIn(sku="VASE")]
            await set_parcel_items(
                conn, order_id=each.order_id, shipment_id=each.shipment_id, wanted=wanted, now=clock()
            )
        await conn.execute(update(SH).where(SH.c.id == second.shipment_id).values(merchant_id=other))
    data = await by_token(runtime.engine, made.token)
    assert data is not None
    assert [r.kind for r in data.requests] == ["address"] and data.siblings == []
    assert list(data.parcels) == [made.shipment_id]
    found = await shipment_by_number(runtime.engine, shop.merchant_id, data.shipment.tracking_number)
    assert found is not None and [r.kind for r in found.requests] == ["address"] and found.siblings == []
    assert list(found.parcels) == [made.shipment_id]
    assert await by_token(runtime.engine, second.token) is None  # a shipment whose order is another shop's
