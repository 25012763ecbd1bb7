"""Which notification a status change causes, and the outbox rows for it (dedupe key per shipment/trigger/channel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.models import Notification
from app.tracking.changes import StatusChange
from carriers.result import TrackResult
from carriers.status import Status

TRIGGER_FOR_STATUS: dict[Status, str] = {
    Status.IN_TRANSIT: "shipped",
    Status.OUT_FOR_DELIVERY: "out_for_delivery",
    Status.AVAILABLE_FOR_PICKUP: "available_for_pickup",
    Status.FAILED_ATTEMPT: "failed_attempt",
    Status.EXCEPTION: "exception",
    Status.DELIVERED: "delivered",
    Status.RETURNED: "returned",
}


def trigger_for_change(old: Status, new: Status) -> str | None:
    """The trigger of a status change; 'shipped' only on the first scan that shows movement."""
    if old == new:
        return None
    trigger = TRIGGER_FOR_STATUS.get(new)
    if trigger == "shipped" and old not in (Status.PENDING, Status.INFO_RECEIVED):
        return None
    return trigger


def outbox_rows(
    *,
    merchant_id: int,
    order_id: int,
    shipment_id: int | None,
    trigger: str,
    email: str,
    phone: str,
    now: datetime,
    context: dict[str, Any],
    channels: tuple[str, ...] = ("email",),
) -> list[dict[str, Any]]:
    """One row per channel with a recipient; the dedupe key makes a trigger fire once per shipment and channel."""
    recipients = {"email": email, "sms": phone}
    subject = f"s{shipment_id}" if shipment_id is not None else f"o{order_id}"
    return [
        {
            "merchant_id": merchant_id,
            "order_id": order_id,
            "shipment_id": shipment_id,
            "trigger": trigger,
            "channel": channel,
            "recipient": recipients[channel],
            "dedupe_key": f"{subject}:{trigger}:{channel}",
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "provider_id": "",
            "last_error": "",
            "context": context,
            "created_at": now,
        }
        for channel in channels
        if recipients.get(channel)
    ]


def _context(result: TrackResult, new: Status) -> dict[str, Any]:
    latest = result.events[0] if result.events else None
    return {
        "status": new.value,
        "description": latest.description if latest else "",
        "location": latest.location if latest else "",
        "carrier_code": latest.carrier_code if latest else "",
        "action_required": bool(latest and latest.action_required),
    }


async def on_status_changes(conn: AsyncConnection, changes: list[StatusChange]) -> int:
    """Outbox rows for a polled batch's status changes, written in the poll's own transaction."""
    rows: list[dict[str, Any]] = []
    for change in changes:
        ship = change.shipment
        trigger = trigger_for_change(change.old, change.new)
        if trigger and ship.cancelled_at is None:
            rows.extend(
                outbox_rows(
                    merchant_id=ship.merchant_id,
                    order_id=ship.order_id,
                    shipment_id=ship.id,
                    trigger=trigger,
                    email=ship.customer_email,
                    phone=ship.customer_phone,
                    now=change.at,
                    context=_context(change.result, change.new),
                )
            )
    if rows:
        stmt = insert_for(conn, Notification.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
        await conn.execute(stmt, rows)
    return len(rows)
