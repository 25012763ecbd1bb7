"""The demo shop seeds once, signs its owner in with the printed password, and teaches estimates and recommendations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.db import reading
from app.demo import seed_demo
from app.estimates import forget, learned_window
from app.models import Order, Shipment, ShipmentItem, User
from app.recommend import recommendations
from app.security.passwords import verify_password


async def test_demo_seeds_once_with_owner_history_and_recommendations(engine) -> None:
    first = await seed_demo(engine, base_url="http://demo.test", secret_key="k" * 40, speed=60.0)
    again = await seed_demo(engine, base_url="http://demo.test", secret_key="k" * 40, speed=60.0)
    assert first.api_key and again.api_key is None
    assert [link[0] for link in first.links] == [link[0] for link in again.links]
    assert first.owner_password != again.owner_password  # a fresh password at each start
    async with reading(engine) as conn:
        users = User.__table__
        stored = (await conn.execute(select(users.c.password_hash).where(users.c.email == again.owner_email))).scalar()
        assert verify_password(stored, again.owner_password) and not verify_password(stored, first.owner_password)
        orders = Order.__table__
        assert (await conn.execute(select(func.count()).select_from(orders))).scalar() == 20 + 120
        order_id = (await conn.execute(select(orders.c.id).where(orders.c.number == "LUM-1001"))).scalar()
        shown = await recommendations(conn, merchant_id=first.merchant_id, order_id=order_id, limit=4)
        titles = {r.title for r in shown}
        assert "Brass wick trimmer" in titles  # the candle rule
        assert not titles & {"Beeswax pillar candle", "Hand-thrown stoneware vase"}  # never what was bought
        forget()
        window = await learned_window(
            conn,
            merchant_id=first.merchant_id,
            carrier="sandbox",
            service="",
            origin=("FR", "33000"),
            destination=("FR", "33000"),
            shipped_on=datetime.now(UTC).date(),
            today=datetime.now(UTC).date(),
            status="in_transit",
        )
        assert window is not None and window.samples >= 30
        shipments = Shipment.__table__
        assert (await conn.execute(select(func.count()).select_from(shipments))).scalar() == 141  # LUM-1020 in two
        split = select(shipments.c.id).join(orders, orders.c.id == shipments.c.order_id)
        carried = select(ShipmentItem.__table__.c.sku, ShipmentItem.__table__.c.shipment_id).order_by("shipment_id")
        parcels = (
            await conn.execute(
                carried.where(ShipmentItem.__table__.c.shipment_id.in_(split.where(orders.c.number == "LUM-1020")))
            )
        ).all()
        assert [sku for sku, _ in parcels] == ["THROW", "MUG", "CANDLE"] and len({s for _, s in parcels}) == 2
    assert [link[0] for link in first.links].count("LUM-1020") == 2
