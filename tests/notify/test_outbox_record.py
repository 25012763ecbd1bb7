"""The outbox on each database: a claim leases the due rows (and only those) and returns them as leased; recording
a tick's outcomes writes every row's new state and one attempt per row, whatever the mix of outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.db import reading, writing
from app.models import Notification, NotificationAttempt
from app.notify import outbox
from notifications.base import SendResult
from tests.factories import add_pending_email, make_merchant


async def add_rows(engine: Any, count: int, now: datetime) -> None:
    merchant_id, _ = await make_merchant(engine)
    async with writing(engine) as conn:
        for i in range(count):
            await add_pending_email(
                conn,
                merchant_id,
                f"R{i}",
                f"s{i}@example.com",
                now,
                next_attempt_at=now + timedelta(minutes=i),  # row i is due i minutes from now
                created_at=now - timedelta(hours=100 if i == 4 else 1),  # row 4 is past the email give-up
            )


async def test_claim_then_record_a_mixed_tick(runtime) -> None:
    engine = runtime.engine
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    await add_rows(engine, 6, now)
    later = now + timedelta(minutes=4)
    claimed = await outbox.claim(engine, now=later, limit=10, lease=timedelta(minutes=5))
    assert [r.id for r in claimed] == sorted(r.id for r in claimed) and len(claimed) == 5  # row 5 is not due yet
    assert all(r.state == "sending" and r.attempts == 1 for r in claimed)
    assert all(r.lease_until.replace(tzinfo=UTC) == later + timedelta(minutes=5) for r in claimed)
    assert await outbox.claim(engine, now=later, limit=10) == []  # leased rows are not claimed twice

    results = [
        SendResult.sent("<n1@x>"),
        SendResult.temporary("SMTP 451 try later", code="451"),
        SendResult.permanent("recipient refused: 550 gone", code="550"),
        SendResult.temporary("quiet hours", code="deferred", retry_after=600),
        SendResult.temporary("SMTP 451 again", code="451"),  # row 4 is expired: fails for good
    ]
    done = later + timedelta(seconds=3)
    await outbox.record(engine, list(zip(claimed, results, strict=True)), now=done)

    table, attempt = Notification.__table__, NotificationAttempt.__table__
    async with reading(engine) as conn:
        rows = {r.id: r for r in await conn.execute(select(table))}
        attempts = list(await conn.execute(select(attempt).order_by(attempt.c.id)))
    sent, retry, failed, deferred, expired = (rows[r.id] for r in claimed)
    assert (sent.state, sent.sent_at.replace(tzinfo=UTC), sent.provider_id, sent.last_error) == (
        "sent",
        done,
        "<n1@x>",
        "",
    )
    assert retry.state == "pending" and retry.attempts == 1 and retry.last_error == "SMTP 451 try later"
    assert done + timedelta(seconds=40) < retry.next_attempt_at.replace(tzinfo=UTC) <= done + timedelta(minutes=1)
    assert failed.state == "failed" and failed.last_error == "recipient refused: 550 gone" and failed.sent_at is None
    assert deferred.state == "pending" and deferred.attempts == 0
    assert deferred.next_attempt_at.replace(tzinfo=UTC) == done + timedelta(seconds=600)
    assert expired.state == "failed" and expired.attempts == 1
    assert all(r.lease_until is None for r in (sent, retry, failed, deferred, expired))
    assert [(a.notification_id, a.outcome, a.provider_id, a.error) for a in attempts] == [
        (claimed[0].id, "sent", "<n1@x>", ""),
        (claimed[1].id, "retry", "", "SMTP 451 try later"),
        (claimed[2].id, "failed", "", "recipient refused: 550 gone"),
        (claimed[3].id, "retry", "", "quiet hours"),
        (claimed[4].id, "retry", "", "SMTP 451 again"),
    ]
    assert all(a.started_at.replace(tzinfo=UTC) == done for a in attempts)
