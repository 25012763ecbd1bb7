"""Learned windows from a shop's own delivered history, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, writing
from app.estimates import forget, learned_window, refit
from app.estimates.calendar import DeliveryCalendar
from app.models import Order, Shipment, TrackingEvent
from tests.factories import make_merchant

SHIPPED = date(2026, 10, 5)  # a Monday


@pytest.fixture(autouse=True)
def fresh_models() -> AsyncIterator[None]:
    forget()
    yield
    forget()


async def deliveries(
    engine: AsyncEngine, merchant_id: int, transit: dict[int, int], *, postal: str = "75011", via_event: bool = False
) -> None:
    """`transit` maps delivery days → how many delivered shipments took that long (ups, shipped Mondays)."""
    calendar = DeliveryCalendar("ups", "FR")
    async with writing(engine) as conn:
        for days, count in transit.items():
            for _ in range(count):
                order_id = (
                    await conn.execute(
                        Order.__table__.insert().values(
                            merchant_id=merchant_id, number=uuid.uuid4().hex[:12], country="FR", postal_code=postal
                        )
                    )
                ).inserted_primary_key[0]
                shipped_at = datetime.combine(SHIPPED, time(16), UTC)
                delivered_at = datetime.combine(calendar.add_business_days(SHIPPED, days), time(11), UTC)
                shipment_id = (
                    await conn.execute(
                        Shipment.__table__.insert().values(
                            merchant_id=merchant_id,
                            order_id=order_id,
                            carrier="ups",
                            service="Standard",
                            tracking_number=uuid.uuid4().hex[:16].upper(),
                            ref=uuid.uuid4().hex,
                            token_hash=uuid.uuid4().hex,
                            origin_country="FR",
                            origin_postal_code="69002",
                            shipped_at=None if via_event else shipped_at,
                            status="delivered",
                            delivered_at=delivered_at,
                        )
                    )
                ).inserted_primary_key[0]
                if via_event:
                    await conn.execute(
                        TrackingEvent.__table__.insert().values(
                            shipment_id=shipment_id, fingerprint="first", occurred_at=shipped_at, status="in_transit"
                        )
                    )


async def window(engine: AsyncEngine, merchant_id: int, *, today: date = SHIPPED, postal: str = "75011", **kw):  # type: ignore[no-untyped-def]
    args = {
        "merchant_id": merchant_id,
        "carrier": "ups",
        "service": "Standard",
        "origin": ("FR", "69002"),
        "destination": ("FR", postal),
        "shipped_on": SHIPPED,
        "today": today,
        "status": "in_transit",
    }
    args.update(kw)
    async with reading(engine) as conn:
        return await learned_window(conn, **args)


async def test_window_from_the_shops_route_history(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 10, 3: 370, 4: 20})  # 400: days 3–4 hold 97.5 % ≥ 95.375 %
    found = await window(engine, shop)
    assert found is not None
    assert (found.earliest, found.latest) == (date(2026, 10, 8), date(2026, 10, 9))  # Thu 8 – Fri 9
    assert found.confidence == 0.975
    assert found.samples == 400


async def test_first_scan_event_stands_in_for_a_missing_shipped_at(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {1: 40}, via_event=True)
    found = await window(engine, shop)
    assert found is not None and found.earliest == found.latest == date(2026, 10, 6)


async def test_reestimates_from_days_already_in_transit(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 300, 3: 60, 5: 40})
    at_shipping = await window(engine, shop)
    assert at_shipping is not None and (at_shipping.earliest, at_shipping.latest) == (
        date(2026, 10, 7),
        date(2026, 10, 12),
    )
    # Still moving after 3 delivery days (Thursday): only the 3- and 5-day histories remain; 5 days holds 40 %
    # so the window must reach it: Thursday 8 to Monday 12.
    later = await window(engine, shop, today=date(2026, 10, 8))
    assert later is not None and (later.earliest, later.latest) == (date(2026, 10, 8), date(2026, 10, 12))
    assert later.samples == 400


async def test_falls_back_to_the_destination_country_for_a_new_route(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {3: 40}, postal="33000")
    found = await window(engine, shop, postal="75011")  # no history into Paris: country-wide history applies
    assert found is not None and found.earliest == date(2026, 10, 8)


async def test_no_window_without_history_before_shipping_or_after_delivery(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    assert await window(engine, shop) is None
    await deliveries(engine, shop, {3: 40})
    assert await window(engine, shop, shipped_on=None) is None
    assert await window(engine, shop, status="delivered") is None
    assert await window(engine, shop, carrier="fedex") is None


async def test_another_shops_history_is_never_used(engine: AsyncEngine) -> None:
    shop_a, _ = await make_merchant(engine, "shop-a")
    shop_b, _ = await make_merchant(engine, "shop-b")
    await deliveries(engine, shop_b, {3: 100})
    assert await window(engine, shop_a) is None
    await deliveries(engine, shop_a, {1: 100})
    assert await refit(engine, shop_a) == 1
    found = await window(engine, shop_a)
    assert found is not None and found.earliest == found.latest == date(2026, 10, 6)


async def test_late_shipment_beyond_all_history_has_no_window(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 40})
    assert await window(engine, shop, today=SHIPPED + timedelta(days=14)) is None
