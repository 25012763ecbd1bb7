"""Send-time checks before a message reaches a channel: opt-outs, cancelled orders, SMS quiet hours in the
recipient's local time, and the merchant's daily cap. A hold is a deferral, not a failed attempt."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.models import Notification
from app.notify.compose import Loaded
from app.notify.quiet import next_allowed, recipient_zone
from notifications.base import SendResult

N = Notification.__table__.c
DEFERRED = "deferred"


def deferral(until: datetime, now: datetime, why: str) -> SendResult:
    """A retryable non-attempt: the outbox puts the row back to wait until `until`."""
    seconds = max((until - now).total_seconds(), 1.0)
    return dataclasses.replace(SendResult.temporary(why, code=DEFERRED, retry_after=seconds))


def _merchant_zone(merchant: Any) -> ZoneInfo:
    try:
        return ZoneInfo(merchant.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone)


class DailyCap:
    """Counts each merchant's messages sent today (their time zone) and hands out what is left."""

    def __init__(self, merchants: dict[int, Any], sent_today: dict[int, int]) -> None:
        self.merchants = merchants
        self.used = Counter(sent_today)

    @classmethod
    async def load(cls, engine: AsyncEngine, data: Loaded, now: datetime) -> DailyCap:
        sent: dict[int, int] = {}
        async with reading(engine) as conn:
            for merchant_id, merchant in data.merchants.items():
                since = day_start(now, _merchant_zone(merchant))
                query = select(func.count()).where(N.merchant_id == merchant_id, N.sent_at >= since)
                sent[merchant_id] = int((await conn.execute(query)).scalar_one())
        return cls(data.merchants, sent)

    def take(self, merchant_id: int, now: datetime) -> datetime | None:
        """None when the merchant may send one more today, else when tomorrow (their time) begins."""
        merchant = self.merchants[merchant_id]
        if self.used[merchant_id] < merchant.daily_message_cap:
            self.used[merchant_id] += 1
            return None
        return day_start(now, _merchant_zone(merchant)) + timedelta(days=1)

    def give_back(self, merchant_id: int) -> None:
        self.used[merchant_id] -= 1


def hold(row: Any, data: Loaded, now: datetime) -> SendResult | None:
    """The reason this row must not be sent now (a permanent stop or a deferral), or None to go ahead."""
    if (row.merchant_id, row.channel, row.recipient) in data.suppressed:
        return SendResult.permanent("recipient opted out of this channel", code="suppressed")
    order, merchant = data.orders[row.order_id], data.merchants[row.merchant_id]
    if order.cancelled_at is not None and row.trigger != "order_cancelled":
        return SendResult.permanent("order cancelled", code="cancelled")
    if row.channel == "sms":
        zone = recipient_zone(order.timezone, row.recipient, merchant.timezone)
        opens = next_allowed(now, zone, merchant.quiet_hours_start, merchant.quiet_hours_end)
        if opens is not None:
            return deferral(opens, now, f"quiet hours for the recipient ({zone.key}) until {opens.isoformat()}")
    return None
