"""Outbox state changes: claim due rows under a lease (committed before any send), then record the outcome."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, text, update
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
    if not is_sqlite(engine):
        async with writing(engine) as conn:
            await conn.execute(_RECORD_PG, _as_arrays(rows, attempts, now))
        return
    columns = {k: bindparam(k) for k in rows[0] if k != "b_id"}
    async with writing(engine) as conn:
        stmt = update(Notification.__table__).where(N.id == bindparam("b_id")).values(columns)
        await conn.execute(stmt, rows)
        await conn.execute(NotificationAttempt.__table__.insert(), attempts)


# PostgreSQL: the tick's outcomes as one array per column, the rows' new state and their attempts written by one
# statement (SQLite runs the update per row and the insert in-process, where a statement costs no round trip).
_RECORD_PG = text(
    """
    WITH v AS (
        SELECT * FROM unnest(
            CAST(:ids AS INTEGER[]), CAST(:states AS VARCHAR[]), CAST(:attempts AS INTEGER[]),
            CAST(:next_attempt_at AS TIMESTAMPTZ[]), CAST(:sent_at AS TIMESTAMPTZ[]),
            CAST(:provider_ids AS VARCHAR[]), CAST(:last_errors AS VARCHAR[]),
            CAST(:outcomes AS VARCHAR[]), CAST(:errors AS VARCHAR[])
        ) WITH ORDINALITY
        AS v(id, state, attempts, next_attempt_at, sent_at, provider_id, last_error, outcome, error, n)
    ), updated AS (
        UPDATE notification AS target SET
            state = v.state, lease_until = NULL, provider_id = v.provider_id, attempts = v.attempts,
            last_error = v.last_error, sent_at = v.sent_at, next_attempt_at = v.next_attempt_at
        FROM v WHERE target.id = v.id
    )
    INSERT INTO notification_attempt (notification_id, started_at, outcome, provider_id, error)
    SELECT id, CAST(:now AS TIMESTAMPTZ), outcome, provider_id, error FROM v ORDER BY n
    """
)


def _as_arrays(rows: list[dict[str, Any]], attempts: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    return {
        "ids": [r["b_id"] for r in rows],
        "states": [r["state"] for r in rows],
        "attempts": [r["attempts"] for r in rows],
        "next_attempt_at": [r["next_attempt_at"] for r in rows],
        "sent_at": [r["sent_at"] for r in rows],
        "provider_ids": [r["provider_id"] for r in rows],
        "last_errors": [r["last_error"] for r in rows],
        "outcomes": [a["outcome"] for a in attempts],
        "errors": [a["error"] for a in attempts],
        "now": now,
    }
