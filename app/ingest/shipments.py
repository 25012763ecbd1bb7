"""Creating a shipment with its order in one transaction (API, demo): idempotent on (merchant, carrier, number)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import writing
from app.ingest.orders import CarrierUnknown, CreatedShipment, add_shipment, find_order_id, upsert_order
from app.ingest.parcel_items import ParcelItemsInvalid, set_parcel_items
from app.ingest.schemas import ShipmentIn

__all__ = ["CarrierUnknown", "CreatedShipment", "ParcelItemsInvalid", "create_shipment", "shipment_in"]


async def shipment_in(
    conn: AsyncConnection, *, merchant_id: int, data: ShipmentIn, secret_key: str, now: datetime
) -> CreatedShipment:
    """The shipment for `data` in the caller's transaction, creating its order first when the shop has no order with
    that number, and storing what the parcel carries when `parcel_items` is given. Raises CarrierUnknown and
    ParcelItemsInvalid (the caller's transaction is then to be rolled back)."""
    order_id = await find_order_id(conn, merchant_id=merchant_id, number=data.order_number)
    if order_id is None:
        made = await upsert_order(conn, merchant_id=merchant_id, data=data.order(), now=now, secret_key=secret_key)
        order_id = made.order_id
    shipment = await add_shipment(
        conn,
        merchant_id=merchant_id,
        order_id=order_id,
        tracking_number=data.tracking_number,
        carrier=data.carrier,
        service=data.service,
        now=now,
        secret_key=secret_key,
    )
    if data.parcel_items is not None:  # matched to the items of the order the number belongs to
        await set_parcel_items(
            conn, order_id=shipment.order_id, shipment_id=shipment.shipment_id, wanted=data.parcel_items, now=now
        )
    return shipment


async def create_shipment(
    engine: AsyncEngine, *, merchant_id: int, data: ShipmentIn, secret_key: str, now: datetime | None = None
) -> CreatedShipment:
    """`shipment_in` in a transaction of its own."""
    async with writing(engine) as conn:
        return await shipment_in(
            conn, merchant_id=merchant_id, data=data, secret_key=secret_key, now=now or datetime.now(UTC)
        )
