"""One shipment for the console: its order and items, events, messages with attempts and opens/clicks,
and the shopper's link (derived from the secret key; revoking bumps the token version)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import (
    LineItem,
    MessageEvent,
    Notification,
    NotificationAttempt,
    Order,
    Shipment,
    ShipmentItem,
    TrackingEvent,
    utcnow,
)
from app.security.tokens import derive_token, token_hash
from app.web.page_parcels import Carried, item_of

SHIPMENTS = Shipment.__table__
NOTIFICATIONS = Notification.__table__
ATTEMPTS = NotificationAttempt.__table__
MESSAGE_EVENTS = MessageEvent.__table__
PARCEL = ShipmentItem.__table__


@dataclass(slots=True)
class Message:
    row: Any
    attempts: list[Any] = field(default_factory=list)
    engagement: dict[str, int] = field(default_factory=dict)  # open, click, delivered, … → count


@dataclass(frozen=True, slots=True)
class ShipmentDetail:
    shipment: Any
    order: Any
    items: list[Any]
    events: list[Any]
    messages: list[Message]
    parcel: list[Carried]  # what this parcel carries, when the shop said


async def shipment_detail(conn: AsyncConnection, *, merchant_id: int, shipment_id: int) -> ShipmentDetail | None:
    """Everything the detail page shows, or None when the shipment is not this shop's."""
    query = select(SHIPMENTS).where(SHIPMENTS.c.merchant_id == merchant_id, SHIPMENTS.c.id == shipment_id)
    shipment = (await conn.execute(query)).one_or_none()
    if shipment is None:
        return None
    orders, items, events = Order.__table__, LineItem.__table__, TrackingEvent.__table__
    order = (await conn.execute(select(orders).where(orders.c.id == shipment.order_id))).one()
    item_rows = (await conn.execute(select(items).where(items.c.order_id == order.id).order_by(items.c.id))).all()
    event_query = (
        select(events).where(events.c.shipment_id == shipment_id).order_by(events.c.occurred_at.desc(), events.c.id)
    )
    event_rows = (await conn.execute(event_query)).all()
    messages = await _messages(conn, merchant_id, order.id)
    carried = (
        await conn.execute(select(PARCEL).where(PARCEL.c.shipment_id == shipment_id).order_by(PARCEL.c.id))
    ).all()
    parcel = [Carried(item, row.quantity) for row in carried if (item := item_of(row, item_rows)) is not None]
    return ShipmentDetail(shipment, order, list(item_rows), list(event_rows), messages, parcel)


async def _messages(conn: AsyncConnection, merchant_id: int, order_id: int) -> list[Message]:
    """The order's notifications (this shipment's and order-level ones), newest first."""
    query = (
        select(NOTIFICATIONS)
        .where(NOTIFICATIONS.c.merchant_id == merchant_id, NOTIFICATIONS.c.order_id == order_id)
        .order_by(NOTIFICATIONS.c.created_at.desc(), NOTIFICATIONS.c.id.desc())
    )
    messages = {row.id: Message(row) for row in (await conn.execute(query)).all()}
    if not messages:
        return []
    ids = list(messages)
    attempt_query = select(ATTEMPTS).where(ATTEMPTS.c.notification_id.in_(ids)).order_by(ATTEMPTS.c.id)
    for attempt in (await conn.execute(attempt_query)).all():
        messages[attempt.notification_id].attempts.append(attempt)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    engagement_query = (
        select(MESSAGE_EVENTS.c.notification_id, MESSAGE_EVENTS.c.kind, func.count())
        .where(MESSAGE_EVENTS.c.merchant_id == merchant_id, MESSAGE_EVENTS.c.notification_id.in_(ids))
        .group_by(MESSAGE_EVENTS.c.notification_id, MESSAGE_EVENTS.c.kind)
    )
    for notification_id, kind, count in (await conn.execute(engagement_query)).all():
        counts[notification_id][kind] = int(count)
    for notification_id, message in messages.items():
        message.engagement = counts.get(notification_id, {})
    return list(messages.values())


def shopper_link(base_url: str, secret_key: str, shipment: Any) -> str:
    """The tracking-page address currently valid for this shipment."""
    return f"{base_url.rstrip('/')}/t/{derive_token(secret_key, shipment.ref, shipment.token_version)}"


async def revoke_link(conn: AsyncConnection, *, merchant_id: int, shipment_id: int, secret_key: str) -> bool:
    """Invalidate every link sent so far: bump the token version and store the new token's hash."""
    query = select(SHIPMENTS.c.ref, SHIPMENTS.c.token_version).where(
        SHIPMENTS.c.merchant_id == merchant_id, SHIPMENTS.c.id == shipment_id
    )
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        return False
    version = row.token_version + 1
    await conn.execute(
        update(SHIPMENTS)
        .where(SHIPMENTS.c.id == shipment_id)
        .values(
            token_version=version,
            token_hash=token_hash(derive_token(secret_key, row.ref, version)),
            updated_at=utcnow(),
        )
    )
    return True
