"""Outbox state changes: claim due rows under a lease (committed before any send), then record the outcome."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite, writing
from app.models import Notification, NotificationAttempt
from notifications.base import SendResult

N = Notification.__table__.c
LEASE = timedelta(minutes=5)
GIVE_UP_AFTER = {"email": timedelta(hours=72), "sms": timedelta(hours=24)}
MAX_RETRY_WAIT = timedelta(hours=4)


async def claim(engine: AsyncEngine, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Any]:
    """Due rows, plus rows whose sender died mid-send (lease expired: in doubt, sent again).

    One statement: the due ids picked (PostgreSQL: locked, skipping rows another worker holds), leased and
    returned as updated, in id order."""
    due = (
        select(N.id)
        .where(
            or_(
                and_(N.state == "pending", N.next_attempt_at <= now),
                and_(N.state == "sending", N.lease_until < now),
            )
        )
        .order_by(N.next_attempt_at)
        .limit(limit)
    )
    if not is_sqlite(engine):
        due = due.with_for_update(skip_locked=True)
    leased = (
        update(Notification.__table__)
        .where(N.id.in_(due.scalar_subquery()))
        .values(state="sending", lease_until=now + lease, attempts=N.attempts + 1)
        .returning(*Notification.__table__.c)
    )
    async with writing(engine) as conn:
        rows = list((await conn.execute(leased)).all())
    rows.sort(key=_row_id)
    return rows


def _row_id(row: Any) -> int:
    return int(row.id)


def retry_at(attempts: int, now: datetime, result: SendResult) -> datetime:
    wait = min(timedelta(minutes=1) * 2 ** max(attempts - 1, 0), MAX_RETRY_WAIT) * random.uniform(0.8, 1.0)
    if result.retry_after:
        wait = max(wait, timedelta(seconds=result.retry_after))
    return now + wait


def outcome_row(row: Any, result: SendResult, now: datetime) -> dict[str, Any]:
    """The new state of one claimed row after a send attempt."""
    values: dict[str, Any] = {
        "b_id": row.id,
        "lease_until": None,
        "provider_id": result.provider_id,
        "attempts": row.attempts,
    }
    if result.ok:
        return {**values, "state": "sent", "sent_at": now, "last_error": "", "next_attempt_at": row.next_attempt_at}
    values["last_error"] = result.error[:500]
    values["sent_at"] = None
    if result.error_code == "deferred":  # held (quiet hours, daily cap): not an attempt, no expiry
        wait = timedelta(seconds=result.retry_after or 60)
        return {**values, "state": "pending", "next_attempt_at": now + wait, "attempts": row.attempts - 1}
    expired = now - row.created_at > GIVE_UP_AFTER.get(row.channel, timedelta(hours=72))
    if result.retryable and not expired:
        return {**values, "state": "pending", "next_attempt_at": retry_at(row.attempts, now, result)}
    return {**values, "state": "failed", "next_attempt_at": row.next_attempt_at}


async def record(engine: AsyncEngine, outcomes: list[tuple[Any, SendResult]], *, now: datetime) -> None:
    if not outcomes:
        return
    rows = [outcome_row(row, result, now) for row, result in outcomes]
    attempts = [
        {
            "notification_id": row.id,
            "started_at": now,
            "outcome": "sent" if result.ok else ("retry" if result.retryable else "failed"),
            "provider_id": result.provider_id,
            "error": result.error[:500],
        }
        for row, result in outcomes
    ]
    columns = {k: bindparam(k) for k in rows[0] if k != "b_id"}
    async with writing(engine) as conn:
        stmt = update(Notification.__table__).where(N.id == bindparam("b_id")).values(columns)
        await conn.execute(stmt, rows)
        await conn.execute(NotificationAttempt.__table__.insert(), attempts)
