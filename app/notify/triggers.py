"""Which notification a status change causes, and the outbox rows for it (dedupe key per shipment/trigger/channel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
