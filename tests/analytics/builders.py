"""Row builders for the analytics tests: plain Core inserts with the models' defaults filled in."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from app.models import (
    MessageEvent,
    Notification,
    Order,
    PageEvent,
    Product,
    Shipment,
    Suppression,
    SurveyResponse,
    TrackingEvent,
)


def at(day: str, clock: str = "00:00") -> datetime:
    """'03-04', '12:00' → 2025-03-04 12:00 UTC."""
    return datetime.fromisoformat(f"2025-{day}T{clock}:00+00:00")


def on(day: str) -> date:
    return date.fromisoformat(f"2025-{day}")


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if name != "id" and field.get_default(call_default_factory=True) is not None
    }


async def insert(conn: AsyncConnection, model: type[SQLModel], **values: Any) -> int:
    row = {**_defaults(model), **values}
    result = await conn.execute(model.__table__.insert().values(row))  # type: ignore[attr-defined]
    return int(result.inserted_primary_key[0])


async def order(conn: AsyncConnection, merchant_id: int, number: str, placed: datetime, **values: Any) -> int:
    return await insert(conn, Order, merchant_id=merchant_id, number=number, placed_at=placed, **values)


async def shipment(conn: AsyncConnection, merchant_id: int, order_id: int, carrier: str, **values: Any) -> int:
    ref = uuid.uuid4().hex
    if "created_at" not in values:  # recorded when its order was placed
        placed = select(Order.__table__.c.placed_at).where(Order.__table__.c.id == order_id)
        values["created_at"] = (await conn.execute(placed)).scalar_one()
    return await insert(
        conn,
        Shipment,
        merchant_id=merchant_id,
        order_id=order_id,
        carrier=carrier,
        tracking_number=f"TN{ref[:12]}",
        ref=ref,
        token_hash=uuid.uuid4().hex,
        **values,
    )


async def tracking_events(conn: AsyncConnection, shipment_id: int, *statuses: str) -> None:
    for index, status in enumerate(statuses):
        await insert(
            conn,
            TrackingEvent,
            shipment_id=shipment_id,
            fingerprint=f"{status}-{index}",
            occurred_at=at("03-03", f"{index:02d}:00"),
            status=status,
        )


async def views(conn: AsyncConnection, merchant_id: int, order_id: int, *visitors: str, kind: str = "view") -> None:
    for visitor in visitors:
        await insert(conn, PageEvent, merchant_id=merchant_id, order_id=order_id, kind=kind, visitor=visitor)


async def rec_events(
    conn: AsyncConnection, merchant_id: int, order_id: int, product_id: int, kind: str, count: int = 1, **values: Any
) -> None:
    for _ in range(count):
        await insert(
            conn, PageEvent, merchant_id=merchant_id, order_id=order_id, product_id=product_id, kind=kind, **values
        )


async def product(conn: AsyncConnection, merchant_id: int, external_id: str, title: str) -> int:
    return await insert(
        conn,
        Product,
        merchant_id=merchant_id,
        external_id=external_id,
        title=title,
        url=f"https://shop.test/{external_id}",
    )


async def notification(
    conn: AsyncConnection, merchant_id: int, order_id: int, trigger: str, channel: str, state: str, *events: str
) -> int:
    note_id = await insert(
        conn,
        Notification,
        merchant_id=merchant_id,
        order_id=order_id,
        trigger=trigger,
        channel=channel,
        state=state,
        recipient="shopper@example.com",
        dedupe_key=uuid.uuid4().hex,
    )
    for kind in events:
        await insert(conn, MessageEvent, merchant_id=merchant_id, notification_id=note_id, kind=kind)
    return note_id


async def suppression(conn: AsyncConnection, merchant_id: int, channel: str, reason: str, when: datetime) -> None:
    await insert(
        conn,
        Suppression,
        merchant_id=merchant_id,
        channel=channel,
        recipient=uuid.uuid4().hex[:10],
        reason=reason,
        created_at=when,
    )


async def survey(conn: AsyncConnection, merchant_id: int, order_id: int, kind: str, **values: Any) -> None:
    await insert(conn, SurveyResponse, merchant_id=merchant_id, order_id=order_id, kind=kind, **values)
