"""Order ingest functions: create/update/cancel orders and attach shipments inside one caller's transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import reading, writing
from app.ingest.orders import CarrierUnknown, add_shipment, cancel_order, find_order_id, holdout_for, upsert_order
from app.ingest.schemas import OrderIn
from app.models import LineItem, Order
from tests.factories import make_merchant

SECRET = "test-secret-key-0123456789abcdef0123456789"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def order(number: str = "1001", **fields: object) -> OrderIn:
    body: dict[str, object] = {
        "number": number,
        "external_id": f"gid-{number}",
        "customer": {"name": "Alex Doe", "email": "Alex@Example.com", "locale": "fr"},
        "address": {"city": "Bordeaux", "postal_code": "33000", "country": "fr"},
        "total": "49.90",
        "currency": "eur",
        "items": [{"title": "Vase", "sku": "V-1", "quantity": 2, "product_id": "p1", "variant": "blue"}],
    }
    body.update(fields)
    return OrderIn.model_validate(body)


async def upsert(engine, merchant_id: int, data: OrderIn, now: datetime = NOW):
    async with writing(engine) as conn:
        return await upsert_order(conn, merchant_id=merchant_id, data=data, now=now, secret_key=SECRET)


async def order_row(engine, order_id: int):
    async with reading(engine) as conn:
        return (await conn.execute(select(Order.__table__).where(Order.__table__.c.id == order_id))).one()


async def test_create_then_same_data_changes_nothing_then_partial_update(engine) -> None:
    merchant_id, _ = await make_merchant(engine)
    made = await upsert(engine, merchant_id, order())
    assert (made.created, made.changed) == (True, True)
    row = await order_row(engine, made.order_id)
    assert (row.customer_email, row.country, row.currency, row.total_cents) == ("alex@example.com", "FR", "EUR", 4990)
    assert row.placed_at.replace(tzinfo=UTC) == NOW and row.first_order is True and row.holdout is False

    again = await upsert(engine, merchant_id, order(), NOW + timedelta(hours=1))
    assert (again.order_id, again.created, again.changed) == (made.order_id, False, False)

    partial = OrderIn.model_validate({"number": "1001", "customer": {"phone": "+33600000000"}, "total": 1250})
    changed = await upsert(engine, merchant_id, partial, NOW + timedelta(hours=2))
    assert changed.changed is True
    row = await order_row(engine, made.order_id)
    expected = ("+33600000000", "Alex Doe", 1250, "Bordeaux")
    assert (row.customer_phone, row.customer_name, row.total_cents, row.city) == expected
    async with reading(engine) as conn:
        items = (await conn.execute(select(LineItem.__table__))).all()
    assert [(i.sku, i.quantity, i.product_id, i.variant) for i in items] == [("V-1", 2, "p1", "blue")]


async def test_items_are_replaced_only_when_they_differ(engine) -> None:
    merchant_id, _ = await make_merchant(engine)
    made = await upsert(engine, merchant_id, order())
    replaced = await upsert(engine, merchant_id, order(items=[{"title": "Mug"}]))
    assert replaced.changed is True
    async with reading(engine) as conn:
        titles = (await conn.execute(select(LineItem.__table__.c.title))).scalars().all()
    assert titles == ["Mug"]
    assert (await upsert(engine, merchant_id, order(items=[{"title": "Mug"}]))).changed is False
    assert made.order_id == replaced.order_id


async def test_first_order_is_per_email_and_shop(engine) -> None:
    shop_a, _ = await make_merchant(engine, "shop-a")
    shop_b, _ = await make_merchant(engine, "shop-b")
    first = await upsert(engine, shop_a, order("1"))
    second = await upsert(engine, shop_a, order("2"), NOW + timedelta(days=1))
    other_shop = await upsert(engine, shop_b, order("2"), NOW + timedelta(days=1))
    backfilled = await upsert(engine, shop_a, order("0", placed_at="2026-01-01T00:00:00Z"))
    flags = [(await order_row(engine, r.order_id)).first_order for r in (first, second, other_shop, backfilled)]
    assert flags == [True, False, True, True]


async def test_holdout_is_deterministic_and_follows_the_percentage(engine) -> None:
    merchant_id, _ = await make_merchant(engine, holdout_percent=30)
    draws = [holdout_for(SECRET, merchant_id, str(n), 30) for n in range(2000)]
    assert 0.25 < sum(draws) / len(draws) < 0.35
    assert draws == [holdout_for(SECRET, merchant_id, str(n), 30) for n in range(2000)]
    assert not any(holdout_for(SECRET, merchant_id, str(n), 0) for n in range(200))
    in_group = next(str(n) for n, drawn in enumerate(draws) if drawn)
    made = await upsert(engine, merchant_id, order(in_group))
    assert (await order_row(engine, made.order_id)).holdout is True


async def test_cancel_once(engine) -> None:
    merchant_id, _ = await make_merchant(engine)
    other, _ = await make_merchant(engine, "other")
    made = await upsert(engine, merchant_id, order())
    async with writing(engine) as conn:
        assert not await cancel_order(conn, merchant_id=other, order_id=made.order_id, reason="x", now=NOW)
        assert await cancel_order(conn, merchant_id=merchant_id, order_id=made.order_id, reason="too_slow", now=NOW)
        assert not await cancel_order(conn, merchant_id=merchant_id, order_id=made.order_id, reason="again", now=NOW)
    row = await order_row(engine, made.order_id)
    assert row.cancelled_at is not None and row.cancel_reason == "too_slow"


async def test_add_shipment_detects_the_carrier_and_is_idempotent(engine) -> None:
    merchant_id, _ = await make_merchant(engine)
    made = await upsert(engine, merchant_id, order())
    args = {"merchant_id": merchant_id, "order_id": made.order_id, "now": NOW, "secret_key": SECRET}
    async with writing(engine) as conn:
        first = await add_shipment(conn, tracking_number="1Z999AA10123456784", carrier=None, service="Ground", **args)
        again = await add_shipment(conn, tracking_number="1z 999 aa1 0123456784", carrier="ups", **args)
        assert first.created and not again.created
        assert (first.shipment_id, first.token, first.carrier) == (again.shipment_id, again.token, "ups")
        with pytest.raises(CarrierUnknown):
            await add_shipment(conn, tracking_number="ZZZZZZZZ", carrier=None, **args)
        with pytest.raises(ValueError, match="6-40 letters"):
            await add_shipment(conn, tracking_number="no!", carrier="ups", **args)


async def test_concurrent_creates_of_one_number_make_one_order(engine) -> None:
    merchant_id, _ = await make_merchant(engine)
    results = await asyncio.gather(*(upsert(engine, merchant_id, order("77")) for _ in range(4)))
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.order_id for r in results}) == 1
    async with reading(engine) as conn:
        by_external_id = await find_order_id(conn, merchant_id=merchant_id, external_id="gid-77")
        assert by_external_id == results[0].order_id
        assert await find_order_id(conn, merchant_id=merchant_id, number="nope") is None
