"""Creating a shipment with its order in one transaction (API, demo): idempotent on (merchant, carrier, number)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import writing
from app.ingest.orders import CarrierUnknown, CreatedShipment, add_shipment, find_order_id, upsert_order
from app.ingest.schemas import ShipmentIn

__all__ = ["CarrierUnknown", "CreatedShipment", "create_shipment"]


async def create_shipment(
    engine: AsyncEngine, *, merchant_id: int, data: ShipmentIn, secret_key: str, now: datetime | None = None
) -> CreatedShipment:
    """The shipment for `data`, creating its order first when the shop has no order with that number."""
    now = now or datetime.now(UTC)
    async with writing(engine) as conn:
        order_id = await find_order_id(conn, merchant_id=merchant_id, number=data.order_number)
        if order_id is None:
            made = await upsert_order(conn, merchant_id=merchant_id, data=data.order(), now=now, secret_key=secret_key)
            order_id = made.order_id
        return await add_shipment(
            conn,
            merchant_id=merchant_id,
            order_id=order_id,
            tracking_number=data.tracking_number,
            carrier=data.carrier,
            service=data.service,
            now=now,
            secret_key=secret_key,
        )
