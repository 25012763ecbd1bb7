"""Which triggers exist, which channels each may use, and a merchant's switches (NotificationRule rows or defaults).

Defaults: email for every trigger except order_confirmed (shop platforms already send the receipt, and a second
one is noise); SMS only where it changes what the shopper does today. Cancellation-save and feedback requests
carry offers and surveys, so they are never sent by SMS (no marketing content in SMS).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import NotificationRule

TRIGGERS: tuple[str, ...] = (
    "order_confirmed",
    "not_shipped",
    "shipped",
    "out_for_delivery",
    "available_for_pickup",
    "failed_attempt",
    "exception",
    "delayed",
    "estimate_changed",
    "delivered",
    "returned",
    "order_cancelled",
    "feedback_request",
)
CHANNELS: tuple[str, ...] = ("email", "sms")

# Shipment milestones: changes within the merchant's coalesce window merge into one message per order.
COALESCED = frozenset(
    {
        "shipped",
        "out_for_delivery",
        "available_for_pickup",
        "failed_attempt",
        "exception",
        "delayed",
        "estimate_changed",
        "delivered",
        "returned",
    }
)
# Sent to holdout orders too: they answer something the shopper did, they are not proactive updates.
TRANSACTIONAL = frozenset({"order_confirmed", "order_cancelled"})
SMS_NEVER = frozenset({"order_cancelled", "feedback_request"})
DEFAULT_ON: dict[str, frozenset[str]] = {
    "email": frozenset(TRIGGERS) - {"order_confirmed"},
    "sms": frozenset({"out_for_delivery", "failed_attempt", "exception", "available_for_pickup", "delivered"}),
}


def allowed(trigger: str, channel: str) -> bool:
    """Whether the channel may carry the trigger at all (whatever the merchant switches)."""
    return trigger in TRIGGERS and channel in CHANNELS and not (channel == "sms" and trigger in SMS_NEVER)


class Switches:
    """A merchant's on/off table: explicit rows win, otherwise the defaults above."""

    def __init__(self, rows: Iterable[tuple[str, str, bool]] = ()) -> None:
        self.explicit = {(trigger, channel): enabled for trigger, channel, enabled in rows}

    def enabled(self, trigger: str, channel: str) -> bool:
        if not allowed(trigger, channel):
            return False
        return self.explicit.get((trigger, channel), trigger in DEFAULT_ON[channel])

    def channels(self, trigger: str) -> tuple[str, ...]:
        return tuple(channel for channel in CHANNELS if self.enabled(trigger, channel))


async def load_switches(conn: AsyncConnection, merchant_ids: Iterable[int]) -> dict[int, Switches]:
    """Each merchant's switches in one query."""
    ids = sorted(set(merchant_ids))
    if not ids:
        return {}
    table = NotificationRule.__table__
    query = select(table.c.merchant_id, table.c.trigger, table.c.channel, table.c.enabled).where(
        table.c.merchant_id.in_(ids)
    )
    rows: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for row in await conn.execute(query):
        rows[row.merchant_id].append((row.trigger, row.channel, bool(row.enabled)))
    return {merchant_id: Switches(rows.get(merchant_id, [])) for merchant_id in ids}
