"""The page's reads made on the driver's own connection return what SQLAlchemy's execution returns (datetimes,
booleans and JSON converted alike), see one snapshot per block on SQLite, and hold no connection when done."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.db import reading, writing
from app.models import Merchant, SurveyResponse
from app.security.tokens import token_hash
from app.web.driver_queries import DriverQuery
from app.web.page_reads import page_reads
from app.web.pages_data import _EVENTS, _ITEMS, _SHIPMENTS_OF_TOKEN, by_token, page_version
from tests.page.conftest import Shop, at_state

M, SR = Merchant.__table__, SurveyResponse.__table__


async def test_driver_rows_equal_sqlalchemy_rows(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "delivered")
    async with writing(runtime.engine) as conn:
        links = [{"label": "Journal", "url": "https://shop.example.com/journal"}]
        await conn.execute(update(M).where(M.c.id == shop.merchant_id).values(header_links=links))
    data = await by_token(runtime.engine, made.token)
    assert data is not None
    keys = {"digest": token_hash(made.token), "order_id": data.order.id, "shipment_id": data.shipment.id}
    for statement in (_SHIPMENTS_OF_TOKEN, _ITEMS, _EVENTS):
        async with reading(runtime.engine) as conn:
            expected = [tuple(row) for row in (await conn.execute(statement, keys)).all()]
        async with page_reads(runtime.engine) as conn:
            got = await conn.rows(DriverQuery(statement), keys)
        assert got == expected and got
    assert data.merchant.header_links == links
    assert isinstance(data.merchant.recommendations_enabled, bool)
    assert all(isinstance(e.occurred_at, datetime) and e.occurred_at.utcoffset() is not None for e in data.events)
    assert [e.occurred_at for e in data.events] == sorted((e.occurred_at for e in data.events), reverse=True)


async def test_feedback_and_version_read_on_the_driver(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "delivered")
    data = await by_token(runtime.engine, made.token)
    assert data is not None and data.feedback is None
    async with writing(runtime.engine) as conn:
        await conn.execute(
            SR.insert().values(
                merchant_id=shop.merchant_id,
                order_id=data.order.id,
                kind="feedback",
                rating=4,
                value="",
                comment="",
                source="page",
                saved=False,
                created_at=clock(),
                updated_at=clock(),
            )
        )
    again = await by_token(runtime.engine, made.token)
    assert again is not None and again.feedback.rating == 4
    version = await page_version(runtime.engine, made.token)
    assert version is not None and (version.shipment_id, version.order_id) == (data.shipment.id, data.order.id)
    assert await page_version(runtime.engine, made.token[:-1] + ("A" if made.token[-1] != "A" else "B")) is None


async def test_sqlite_driver_reads_keep_one_snapshot_per_block(runtime, clock, shop: Shop) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL driver reads are single statements, each its own snapshot")
    made = await at_state(runtime, clock, shop, "in_transit")
    names = DriverQuery(select(M.c.name).where(M.c.id == shop.merchant_id))
    async with page_reads(runtime.engine) as conn:
        before = await conn.rows(names, {})
        async with writing(runtime.engine) as w:
            await w.execute(update(M).where(M.c.id == shop.merchant_id).values(name="Renamed"))
        assert await conn.rows(names, {}) == before  # the block's snapshot
    async with page_reads(runtime.engine) as conn:
        assert await conn.rows(names, {}) == [("Renamed",)]
    assert made.token


async def test_a_first_view_takes_the_version_the_probe_reads(runtime, clock, shop: Shop, client) -> None:
    """A page not rendered lately reads its data at once and takes its version from it: the same version the probe
    reads, for each shipment of a split order, and moving when any shipment of the order changes."""
    from app.models import Shipment
    from app.web.pages_data import version_of

    SH = Shipment.__table__
    first = await at_state(runtime, clock, shop, "delivered", order="V1")
    second = await at_state(runtime, clock, shop, "in_transit", order="V1", serial=2)
    for made in (first, second):
        data = await by_token(runtime.engine, made.token)
        assert data is not None and version_of(data) == await page_version(runtime.engine, made.token)
    before = version_of(await by_token(runtime.engine, first.token))  # type: ignore[arg-type]
    async with writing(runtime.engine) as conn:
        later = clock.now + timedelta(hours=1)
        await conn.execute(update(SH).where(SH.c.id == second.shipment_id).values(updated_at=later))
    after = await by_token(runtime.engine, first.token)
    assert after is not None and version_of(after) == await page_version(runtime.engine, first.token)
    assert version_of(after).version != before.version
    page = await client.get(f"/t/{first.token}")
    assert page.status_code == 200 and f'data-version="{version_of(after).version}"' in page.text
