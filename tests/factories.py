"""Test data builders: a merchant with an API key, shipments through the real ingest service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import reading, writing
from app.ingest.schemas import ShipmentIn
from app.ingest.shipments import CreatedShipment, create_shipment
from app.models import ApiKey, Merchant, Notification, Order, Shipment, TrackingEvent, WebhookEndpoint
from app.security.apikeys import new_api_key


async def make_merchant(engine: AsyncEngine, slug: str = "acme", **fields: Any) -> tuple[int, str]:
    """(merchant id, API key)."""
    values: dict[str, Any] = {
        k: f.get_default(call_default_factory=True)
        for k, f in Merchant.model_fields.items()
        if k not in {"id", "created_at"} and f.get_default(call_default_factory=True) is not None
    }
    values.update({"slug": slug, "name": f"{slug.title()} Shop", "created_at": datetime.now(UTC)})
    values.update(fields)
    key, prefix, digest = new_api_key()
    async with writing(engine) as conn:
        merchant_id = (await conn.execute(Merchant.__table__.insert().values(values))).inserted_primary_key[0]
        await conn.execute(
            ApiKey.__table__.insert().values(
                merchant_id=merchant_id, prefix=prefix, key_hash=digest, name="test", created_at=datetime.now(UTC)
            )
        )
    return int(merchant_id), key


def shipment_input(tracking_number: str, order_number: str = "1001", **extra: Any) -> ShipmentIn:
    body: dict[str, Any] = {
        "order_number": order_number,
        "tracking_number": tracking_number,
        "carrier": "sandbox",
        "customer": {"name": "Alex Doe", "email": "alex@example.com", "locale": "en", "timezone": "Europe/Paris"},
        "address": {"city": "Bordeaux", "postal_code": "33000", "country": "FR"},
        "items": [{"title": "Stoneware vase", "quantity": 1}],
    }
    body.update(extra)
    return ShipmentIn.model_validate(body)


async def add_shipment(
    engine: AsyncEngine, merchant_id: int, secret_key: str, number: str, **kw: Any
) -> CreatedShipment:
    return await create_shipment(
        engine, merchant_id=merchant_id, data=shipment_input(number, **kw), secret_key=secret_key
    )


async def shipment_row(engine: AsyncEngine, shipment_id: int) -> Any:
    async with reading(engine) as conn:
        table = Shipment.__table__
        return (await conn.execute(select(table).where(table.c.id == shipment_id))).one()


async def events_of(engine: AsyncEngine, shipment_id: int) -> list[Any]:
    async with reading(engine) as conn:
        table = TrackingEvent.__table__
        query = select(table).where(table.c.shipment_id == shipment_id).order_by(table.c.occurred_at)
        return list((await conn.execute(query)).all())


async def notifications_of(engine: AsyncEngine, shipment_id: int) -> list[Any]:
    async with reading(engine) as conn:
        table = Notification.__table__
        query = select(table).where(table.c.shipment_id == shipment_id).order_by(table.c.id)
        return list((await conn.execute(query)).all())


async def add_pending_email(
    conn: AsyncConnection, merchant_id: int, number: str, recipient: str, now: datetime, **notification: Any
) -> int:
    """An order placed `now` and its pending "delivered" email to `recipient`, due `now` unless `notification`
    says otherwise (its keys are Notification columns; `customer_name` goes to the order). The order's id."""
    order_id = (
        await conn.execute(
            Order.__table__.insert().values(
                merchant_id=merchant_id,
                number=number,
                customer_email=recipient,
                customer_name=notification.pop("customer_name", ""),
                placed_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    ).inserted_primary_key[0]
    values = {"next_attempt_at": now, "context": {}, "created_at": now, **notification}
    await conn.execute(
        Notification.__table__.insert().values(
            merchant_id=merchant_id,
            order_id=order_id,
            trigger="delivered",
            channel="email",
            recipient=recipient,
            dedupe_key=f"o{order_id}:delivered:email",
            state="pending",
            **values,
        )
    )
    return int(order_id)


# The shop of the message-template tests: branding as `sample_context` takes it.
SAMPLE_SHOP = {
    "name": "Acme",
    "logo_url": "",
    "website_url": "https://acme.example",
    "primary_color": "#1f4e79",
    "button_text_color": "#ffffff",
    "support_email": "help@acme.example",
}


async def subscribe(
    engine: AsyncEngine, merchant_id: int, events: list[str], url: str = "https://hooks.example/"
) -> None:
    """An enabled webhook endpoint of the shop for `events` (its secret a placeholder: nothing is delivered)."""
    async with writing(engine) as conn:
        await conn.execute(
            WebhookEndpoint.__table__.insert().values(merchant_id=merchant_id, url=url, secret=b"sealed", events=events)
        )
