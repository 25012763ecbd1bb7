"""Creating an order's shipment: idempotent on (merchant, carrier, tracking number); carrier detected if omitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import writing
from app.ingest.schemas import ShipmentIn
from app.models import LineItem, Order, Shipment
from app.security.tokens import derive_token, new_ref, token_hash


class CarrierUnknown(ValueError):
    """No carrier was given and none could be recognised from the tracking number."""


@dataclass(frozen=True)
class CreatedShipment:
    shipment_id: int
    order_id: int
    token: str
    created: bool
    carrier: str


def detect_carrier(tracking_number: str) -> str:
    try:
        from carriers.detect import detect
    except ModuleNotFoundError:  # detection not installed: only the sandbox's own format is known
        return "sandbox" if tracking_number.startswith("SB") else ""
    found = detect(tracking_number)
    return found[0] if found else ""


async def create_shipment(
    engine: AsyncEngine, *, merchant_id: int, data: ShipmentIn, secret_key: str, now: datetime | None = None
) -> CreatedShipment:
    now = now or datetime.now(UTC)
    carrier = data.carrier or detect_carrier(data.tracking_number)
    if not carrier:
        raise CarrierUnknown("carrier could not be recognised from the tracking number; give 'carrier'")
    async with writing(engine) as conn:
        order_id = await _upsert_order(conn, merchant_id, data, now)
        existing = (
            await conn.execute(
                select(Shipment.__table__.c.id, Shipment.__table__.c.ref, Shipment.__table__.c.token_version).where(
                    Shipment.__table__.c.merchant_id == merchant_id,
                    Shipment.__table__.c.carrier == carrier,
                    Shipment.__table__.c.tracking_number == data.tracking_number,
                )
            )
        ).first()
        if existing is not None:
            token = derive_token(secret_key, existing.ref, existing.token_version)
            return CreatedShipment(existing.id, order_id, token, False, carrier)
        ref = new_ref()
        token = derive_token(secret_key, ref, 0)
        values = {
            "merchant_id": merchant_id,
            "order_id": order_id,
            "carrier": carrier,
            "tracking_number": data.tracking_number,
            "ref": ref,
            "token_version": 0,
            "token_hash": token_hash(token),
            "status": "pending",
            "substatus": "",
            "action_required": False,
            "status_changed_at": now,
            "service": "",
            "signed_by": "",
            "next_poll_at": now,
            "poll_failures": 0,
            "last_error": "",
            "created_at": now,
            "updated_at": now,
        }
        shipment_id = (await conn.execute(Shipment.__table__.insert().values(values))).inserted_primary_key[0]
    return CreatedShipment(int(shipment_id), order_id, token, True, carrier)


async def _upsert_order(conn: AsyncConnection, merchant_id: int, data: ShipmentIn, now: datetime) -> int:
    table = Order.__table__
    found = (
        await conn.execute(
            select(table.c.id).where(table.c.merchant_id == merchant_id, table.c.number == data.order_number)
        )
    ).scalar()
    if found is not None:
        return int(found)
    values = {
        "merchant_id": merchant_id,
        "number": data.order_number,
        "customer_name": data.customer.name,
        "customer_email": str(data.customer.email or ""),
        "customer_phone": data.customer.phone,
        "locale": data.customer.locale,
        "timezone": data.customer.timezone,
        "city": data.address.city,
        "postal_code": data.address.postal_code,
        "country": data.address.country.upper(),
        "placed_at": now,
        "promised_by": data.promised_by,
        "created_at": now,
    }
    order_id = int((await conn.execute(table.insert().values(values))).inserted_primary_key[0])
    if data.items:
        await conn.execute(
            LineItem.__table__.insert(),
            [{"order_id": order_id, **item.model_dump()} for item in data.items],
        )
    return order_id
