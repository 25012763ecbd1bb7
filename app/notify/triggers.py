"""Which notification a status change causes: one candidate per change, queued in the poll's own transaction.

`shipped` fires once per order (the first parcel of a split order to move); the other milestones once per
shipment, coalesced per order by `app.notify.enqueue`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.notify.enqueue import Candidate, queue
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


def snapshot(result: TrackResult, new: Status) -> dict[str, Any]:
    """What the message needs from the carrier's answer, frozen at the time of the change."""
    latest = result.events[0] if result.events else None
    estimate = result.estimate
    return {
        "status": new.value,
        "substatus": result.substatus,
        "description": latest.description if latest else "",
        "location": latest.location if latest else "",
        "carrier_code": latest.carrier_code if latest else "",
        "action_required": bool(latest and latest.action_required),
        "estimate": estimate.latest.isoformat() if estimate and estimate.latest else "",
    }


def candidate_for(change: StatusChange) -> Candidate | None:
    ship = change.shipment
    trigger = trigger_for_change(change.old, change.new)
    if trigger is None or ship.cancelled_at is not None:
        return None
    key = f"o{ship.order_id}" if trigger == "shipped" else f"s{ship.id}"
    return Candidate(
        merchant_id=ship.merchant_id,
        order_id=ship.order_id,
        shipment_id=ship.id,
        trigger=trigger,
        key=key,
        context=snapshot(change.result, change.new),
    )


async def on_status_changes(conn: AsyncConnection, changes: list[StatusChange]) -> int:
    """Outbox rows for a polled batch's status changes, written in the poll's own transaction."""
    candidates = [c for c in map(candidate_for, changes) if c is not None]
    if not candidates:
        return 0
    return await queue(conn, candidates, changes[0].at)
