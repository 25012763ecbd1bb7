"""Outbound webhooks: events queued with the change that caused them, signed and delivered with retries.

`queue_event` writes one delivery row per subscribed endpoint inside the caller's transaction (an outbox);
`deliver_once` claims due rows under a lease, posts them to the checked and pinned address, logs every attempt and
retries failures on a backoff schedule of about a day.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import insert_for, is_sqlite, writing
from app.integrations.endpoints import EVENT_TYPES, unseal_secret
from app.integrations.sender import SendOutcome, WebhookSender
from app.integrations.signing import signed_headers
from app.integrations.ssrf import Target, UnsafeUrl, UrlPolicy, resolve
from app.models import Order, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.security.crypto import CredentialsError
from app.tracking.changes import StatusChange

if TYPE_CHECKING:
    from app.runtime import Runtime

log = logging.getLogger("ordertrail.webhooks")

# Waits after attempt 1, 2, …: 5 s, 1 min, 10 min, 1 h, 3 h, 6 h, 12 h (22 h 11 min in all), then failed.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)
BATCH = 100
CONCURRENCY = 10

EP = WebhookEndpoint.__table__.c
DL = WebhookDelivery.__table__.c
ORD = Order.__table__.c


def message_id(*parts: object) -> str:
    """A stable id for an event, so the same cause queued twice is one delivery (`webhook-id`)."""
    return "msg_" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


async def _subscribers(conn: AsyncConnection, merchant_ids: set[int], event_type: str) -> dict[int, list[int]]:
    query = select(EP.id, EP.merchant_id, EP.events).where(EP.merchant_id.in_(merchant_ids), EP.enabled.is_(True))
    found: dict[int, list[int]] = {}
    for row in await conn.execute(query):
        if event_type in (row.events or []):
            found.setdefault(row.merchant_id, []).append(row.id)
    return found


def _rows(
    endpoints: list[int], merchant_id: int, event_type: str, event_id: str, data: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    envelope = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    return [
        {
            "merchant_id": merchant_id,
            "endpoint_id": endpoint_id,
            "event_id": event_id,
            "event_type": event_type,
            "payload": envelope,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for endpoint_id in endpoints
    ]


async def _insert(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    unique = ["endpoint_id", "event_id"]
    stmt = insert_for(conn, WebhookDelivery.__table__).on_conflict_do_nothing(index_elements=unique)
    result = await conn.execute(stmt, rows)
    # Drivers report executemany counts differently; -1 means "unknown", so count what was offered.
    return result.rowcount if result.rowcount >= 0 else len(rows)


async def queue_event(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
    event_id: str = "",
) -> int:
    """Queue `event_type` for every enabled endpoint of the shop subscribed to it, in the caller's transaction.

    `payload` becomes the event's `data` (JSON; no street addresses). Give `event_id` (a stable id of the cause)
    so that queuing the same event twice delivers it once. Returns how many deliveries were queued.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = (await _subscribers(conn, {merchant_id}, event_type)).get(merchant_id, [])
    event_id = event_id or message_id(merchant_id, event_type, now.isoformat(), json.dumps(payload, sort_keys=True))
    return await _insert(conn, _rows(endpoints, merchant_id, event_type, event_id, payload, now))


def status_payload(change: StatusChange, order_number: str) -> dict[str, Any]:
    ship, result = change.shipment, change.result
    newest = result.events[0] if result.events else None
    return {
        "shipment_id": ship.id,
        "order_id": ship.order_id,
        "order_number": order_number,
        "carrier": ship.carrier,
        "tracking_number": ship.tracking_number,
        "previous_status": str(change.old),
        "status": str(change.new),
        "substatus": result.substatus,
        "changed_at": change.at.isoformat(),
        "event": None
        if newest is None
        else {"time": newest.time.isoformat(), "description": newest.description, "location": newest.location},
    }


async def on_status_changes(conn: AsyncConnection, changes: list[StatusChange]) -> int:
    """Queue a `shipment.status_changed` delivery per subscribed endpoint, in the poll's transaction."""
    if not changes:
        return 0
    event_type = "shipment.status_changed"
    subscribers = await _subscribers(conn, {c.shipment.merchant_id for c in changes}, event_type)
    relevant = [c for c in changes if c.shipment.merchant_id in subscribers]
    if not relevant:
        return 0
    order_ids = {c.shipment.order_id for c in relevant}
    numbers = dict((await conn.execute(select(ORD.id, ORD.number).where(ORD.id.in_(order_ids)))).all())
    rows: list[dict[str, Any]] = []
    for change in relevant:
        ship = change.shipment
        event_id = message_id(ship.id, str(change.new), change.at.isoformat())
        data = status_payload(change, numbers.get(ship.order_id, ""))
        rows += _rows(subscribers[ship.merchant_id], ship.merchant_id, event_type, event_id, data, change.at)
    return await _insert(conn, rows)


async def claim_due(engine: AsyncEngine, *, now: datetime, limit: int) -> list[Any]:
    """Due pending deliveries, leased to the caller (attempts counted at claim), with their endpoint."""
    due = (
        select(DL.id)
        .where(DL.state == "pending", DL.next_attempt_at <= now, or_(DL.lease_until.is_(None), DL.lease_until <= now))
        .order_by(DL.next_attempt_at, DL.id)
        .limit(limit)
    )
    if not is_sqlite(engine):
        due = due.with_for_update(skip_locked=True, of=WebhookDelivery.__table__)
    by_ids = DL.id.in_(bindparam("ids", expanding=True))
    async with writing(engine) as conn:
        ids = list((await conn.execute(due)).scalars())
        if not ids:
            return []
        await conn.execute(
            update(WebhookDelivery.__table__).where(by_ids).values(lease_until=now + LEASE, attempts=DL.attempts + 1),
            {"ids": ids},
        )
        query = (
            select(DL.id, DL.merchant_id, DL.endpoint_id, DL.event_id, DL.payload, DL.attempts, EP.url, EP.secret)
            .join(WebhookEndpoint.__table__, EP.id == DL.endpoint_id)
            .where(by_ids)
            .order_by(DL.id)
        )
        return list((await conn.execute(query, {"ids": ids})).all())


async def _record(engine: AsyncEngine, row: Any, outcome: SendOutcome, *, started: datetime, retry: bool) -> str:
    """Log the attempt and move the delivery on: delivered, pending again after a wait, or failed."""
    now = datetime.now(UTC)
    if outcome.ok:
        values: dict[str, Any] = {"state": "delivered", "delivered_at": now, "last_error": ""}
    elif retry and row.attempts < MAX_ATTEMPTS:
        values = {"state": "pending", "next_attempt_at": started + BACKOFF[row.attempts - 1]}
    else:
        values = {"state": "failed"}
    values |= {"lease_until": None, "last_status": outcome.status_code}
    if not outcome.ok:
        values["last_error"] = outcome.error[:500]
    attempt = {
        "delivery_id": row.id,
        "started_at": started,
        "status_code": outcome.status_code,
        "error": outcome.error[:500],
        "duration_ms": outcome.duration_ms,
    }
    async with writing(engine) as conn:
        await conn.execute(WebhookAttempt.__table__.insert().values(attempt))
        await conn.execute(update(WebhookDelivery.__table__).where(DL.id == row.id).values(values))
    return str(values["state"])


async def _deliver(rt: Runtime, sender: WebhookSender, row: Any, policy: UrlPolicy, now: datetime) -> str:
    try:
        target: Target = await resolve(row.url, policy)
        secret = unseal_secret(rt.credentials_key, row.merchant_id, row.secret)
    except UnsafeUrl as exc:
        outcome = SendOutcome(None, f"refused: {exc.reason}", 0)
        return await _record(rt.engine, row, outcome, started=now, retry=exc.retryable)
    except CredentialsError:
        outcome = SendOutcome(None, "the signing secret cannot be decrypted with the configured key", 0)
        return await _record(rt.engine, row, outcome, started=now, retry=True)
    body = json.dumps({"id": row.event_id, **row.payload}, separators=(",", ":")).encode()
    headers = signed_headers(secret, row.event_id, int(now.timestamp()), body)
    outcome = await sender.post(target, body, headers)
    return await _record(rt.engine, row, outcome, started=now, retry=True)


async def deliver_once(
    rt: Runtime, *, now: datetime | None = None, policy: UrlPolicy | None = None, limit: int = BATCH
) -> int:
    """Claim due deliveries, post them, record the attempts; returns how many were attempted."""
    now = now or datetime.now(UTC)
    policy = policy or UrlPolicy.from_settings(rt.settings)
    rows = await claim_due(rt.engine, now=now, limit=limit)
    if not rows:
        return 0
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(row: Any) -> None:
        async with gate:
            try:
                await _deliver(rt, sender, row, policy, now)
            except Exception:
                # The lease runs out and a later tick retries with the same webhook-id.
                log.exception("webhook delivery %d could not be recorded; it will be retried", row.id)

    async with WebhookSender() as sender:
        await asyncio.gather(*(one(row) for row in rows))
    return len(rows)
