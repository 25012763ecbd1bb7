"""Carrier pushes: store each verified delivery once in the inbox, then feed it to the same apply path as polling.

Storing and processing are split so the sender gets its 2xx at once; processing claims inbox rows under a lease
(SKIP LOCKED on PostgreSQL), so any number of workers and web processes share it. Polling still reconciles.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite, reading, writing
from app.models import CarrierAccountRow, CarrierWebhookInbox, Order, Shipment
from app.runtime import Runtime
from app.security.crypto import unseal
from app.tracking.apply import apply_results, sqlite_writer
from app.tracking.claim import CLAIMED_COLUMNS
from carriers.result import TrackResult

log = logging.getLogger("ordertrail.push")

PUSH_CARRIERS = ("easypost", "aftership", "track17", "shippo", "ups")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH = 100
KEEP = timedelta(days=7)  # processed deliveries are kept this long, then deleted by cleanup_inbox
CLEANUP_BATCH = 1000

IN = CarrierWebhookInbox.__table__.c
SH = Shipment.__table__.c
ORD = Order.__table__.c
ACC = CarrierAccountRow.__table__.c


@dataclass(frozen=True)
class PushAccount:
    """The account a push is addressed to, with the secret its carrier signs (or authenticates) pushes with."""

    id: int
    merchant_id: int
    carrier: str
    secret: str = field(repr=False)


@dataclass
class PushReport:
    claimed: int = 0
    processed: int = 0
    failed: int = 0  # bodies that could not be parsed: kept with their error
    retried: int = 0  # rows left for a later tick after an unexpected error
    results: int = 0
    applied: int = 0
    ignored: int = 0  # results for tracking numbers this shop does not track
    errors: int = 0  # results that carried a carrier error instead of tracking
    new_events: int = 0
    status_changes: int = 0
    notifications: int = 0


def webhook_module(carrier: str) -> ModuleType | None:
    """The carrier package exposing verify_webhook/parse_webhook, or None when that carrier does not push."""
    if carrier not in PUSH_CARRIERS:
        return None
    try:
        module = importlib.import_module(f"carriers.{carrier}")
    except ModuleNotFoundError:
        return None
    return module if hasattr(module, "verify_webhook") and hasattr(module, "parse_webhook") else None


def webhook_secret(carrier: str, credentials: Mapping[str, str]) -> str:
    """17TRACK signs pushes with the API key itself; every other carrier has its own `webhook_secret`."""
    secret = credentials.get("webhook_secret", "")
    if not secret and carrier == "track17":
        secret = credentials.get("api_key", "")
    return secret


def credential_presented(carrier: str, headers: Mapping[str, str], url_token: str) -> bool:
    """Whether the request carries the signature header (or URL token) at all, to word a 401 precisely."""
    module = importlib.import_module(f"carriers.{carrier}.webhook")
    names = getattr(module, "CREDENTIAL_HEADERS", None) or (getattr(module, "SIGNATURE_HEADER", ""),)
    lowered = {k.lower() for k, v in headers.items() if v}
    return bool(url_token) or any(name and name.lower() in lowered for name in names)


async def push_account(rt: Runtime, carrier: str, account_id: int) -> PushAccount | None:
    """The account by id, only when it belongs to this carrier. Raises CredentialsError if it cannot be unsealed."""
    query = select(ACC.id, ACC.merchant_id, ACC.credentials).where(ACC.id == account_id, ACC.carrier == carrier)
    async with reading(rt.engine) as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    credentials = unseal(rt.credentials_key, row.merchant_id, carrier, row.credentials)
    return PushAccount(row.id, row.merchant_id, carrier, webhook_secret(carrier, credentials))


def event_id(carrier: str, raw: bytes) -> str:
    """The carrier's own id of the event, constant across its redeliveries; "" when it sends none."""
    if carrier not in ("easypost", "aftership"):
        return ""
    try:
        event = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(event, dict):
        return ""
    value = event.get("id") if carrier == "easypost" else event.get("event_id")
    return value if isinstance(value, str) and 0 < len(value) <= 100 else ""


def delivery_key(carrier: str, account_id: int, raw: bytes) -> str:
    # The account is part of the key so one tenant's delivery can never shadow another's.
    identity = event_id(carrier, raw) or "sha256:" + hashlib.sha256(raw).hexdigest()
    return f"{carrier}:{account_id}:{identity}"


def body_text(raw: bytes) -> str:
    # Pushes are UTF-8 JSON; anything else is kept readable (and fails to parse later, visibly).
    # PostgreSQL text cannot hold NUL, so it is replaced rather than failing the insert.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


async def store_delivery(engine: AsyncEngine, account: PushAccount, raw: bytes, *, now: datetime) -> bool:
    """Insert the delivery unless its key is already there; True when it is new."""
    values = {
        "carrier": account.carrier,
        "carrier_account_id": account.id,
        "merchant_id": account.merchant_id,
        "delivery_key": delivery_key(account.carrier, account.id, raw),
        "body": body_text(raw),
        "received_at": now,
        "attempts": 0,
        "error": "",
    }
    table = CarrierWebhookInbox.__table__
    insert = sqlite_insert if is_sqlite(engine) else pg_insert
    stmt = insert(table).values(values).on_conflict_do_nothing(index_elements=["delivery_key"])
    async with writing(engine) as conn:
        result = await conn.execute(stmt)
    return bool(result.rowcount)


async def claim_inbox(engine: AsyncEngine, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Any]:
    """Up to `limit` unprocessed deliveries, oldest first, leased to the caller until now + lease."""
    pending = (
        select(IN.id)
        .where(IN.processed_at.is_(None), or_(IN.lease_until.is_(None), IN.lease_until <= now))
        .order_by(IN.id)
        .limit(limit)
    )
    if not is_sqlite(engine):
        pending = pending.with_for_update(skip_locked=True)
    table = CarrierWebhookInbox.__table__
    by_ids = IN.id.in_(bindparam("ids", expanding=True))
    async with writing(engine) as conn:
        ids = list((await conn.execute(pending)).scalars())
        if not ids:
            return []
        await conn.execute(
            update(table).where(by_ids).values(lease_until=now + lease, attempts=IN.attempts + 1), {"ids": ids}
        )
        query = select(IN.id, IN.carrier, IN.merchant_id, IN.body, IN.attempts).where(by_ids).order_by(IN.id)
        return list((await conn.execute(query, {"ids": ids})).all())


def merge_by_number(results: Iterable[TrackResult]) -> list[TrackResult]:
    """One result per tracking number: a push may carry several (UPS sends one per event), newest first."""
    groups: dict[str, list[TrackResult]] = {}
    for result in results:
        groups.setdefault(result.tracking_number.upper(), []).append(result)
    return [_merge(group) for group in groups.values()]


def _merge(group: list[TrackResult]) -> TrackResult:
    if len(group) == 1:
        return group[0]
    floor = datetime.min.replace(tzinfo=UTC)
    latest = max(group, key=lambda r: max((e.time for e in r.events), default=floor))
    events = sorted((e for r in group for e in r.events), key=lambda e: e.time, reverse=True)
    return TrackResult(
        tracking_number=latest.tracking_number,
        status=latest.status,
        substatus=latest.substatus,
        events=events,
        estimate=latest.estimate or next((r.estimate for r in group if r.estimate), None),
        delivered_at=next((r.delivered_at for r in group if r.delivered_at), None),
        signed_by=next((r.signed_by for r in group if r.signed_by), ""),
        service=latest.service or next((r.service for r in group if r.service), ""),
        unknown_codes=[code for r in group for code in r.unknown_codes],
    )


async def _shipments(engine: AsyncEngine, merchant_id: int, carrier: str, numbers: list[str]) -> list[Any]:
    query = (
        select(*CLAIMED_COLUMNS)
        .join(Order.__table__, ORD.id == SH.order_id)
        .where(SH.merchant_id == merchant_id, SH.carrier == carrier, SH.tracking_number.in_(numbers))
    )
    async with reading(engine) as conn:
        return list((await conn.execute(query)).all())


async def _finish(engine: AsyncEngine, row_id: int, now: datetime, error: str = "") -> None:
    table = CarrierWebhookInbox.__table__
    stmt = update(table).where(IN.id == row_id).values(processed_at=now, lease_until=None, error=error[:500])
    async with writing(engine) as conn:
        await conn.execute(stmt)


async def _apply(rt: Runtime, row: Any, results: list[TrackResult], now: datetime, report: PushReport) -> None:
    report.results += len(results)
    ok = [r for r in results if r.ok]
    # A push that reports an error tells us nothing new; applying it would push back the poll schedule.
    report.errors += len(results) - len(ok)
    merged = merge_by_number(ok)
    if not merged:
        return
    ships = await _shipments(rt.engine, row.merchant_id, row.carrier, [r.tracking_number.upper() for r in merged])
    tracked = {s.tracking_number.upper() for s in ships}
    matched = [r for r in merged if r.tracking_number.upper() in tracked]
    report.ignored += len(merged) - len(matched)
    if not matched:
        return
    applied = await apply_results(
        rt.engine, carrier=row.carrier, shipments=ships, results=matched, now=now, speed=rt.speed_for(row.carrier)
    )
    await rt.pages_changed(applied.changed_orders)
    report.applied += len(matched)
    report.new_events += applied.new_events
    report.status_changes += applied.status_changes
    report.notifications += applied.notifications


async def _process(rt: Runtime, row: Any, now: datetime, report: PushReport) -> None:
    if row.attempts > MAX_ATTEMPTS:
        await _finish(rt.engine, row.id, now, f"gave up after {MAX_ATTEMPTS} failed attempts (see the logs)")
        report.failed += 1
        return
    module = webhook_module(row.carrier)
    if module is None:
        await _finish(rt.engine, row.id, now, f"carrier {row.carrier!r} does not push")
        report.failed += 1
        return
    try:
        results = module.parse_webhook(row.body.encode("utf-8"))
    except Exception as exc:  # parsing is pure: any failure is the body's, kept visible on the row
        await _finish(rt.engine, row.id, now, f"unparseable push: {exc}")
        report.failed += 1
        return
    await _apply(rt, row, results, now, report)
    await _finish(rt.engine, row.id, now)
    report.processed += 1


async def process_inbox(rt: Runtime, *, now: datetime | None = None, limit: int = BATCH) -> PushReport:
    """Claim pending deliveries and apply them in arrival order; a bad row never stops the tick."""
    now = now or datetime.now(UTC)
    rows = await claim_inbox(rt.engine, now=now, limit=limit)
    report = PushReport(claimed=len(rows))
    for row in rows:
        try:
            await _process(rt, row, now, report)
        except Exception:
            # The lease runs out and a later tick retries; applying twice is harmless (fingerprints, dedupe keys).
            log.exception("%s push %d could not be processed; it will be retried", row.carrier, row.id)
            report.retried += 1
    if report.ignored:
        log.info("pushes carried %d results for numbers not tracked here", report.ignored)
    return report


async def cleanup_inbox(
    engine: AsyncEngine, now: datetime, *, keep: timedelta = KEEP, batch: int = CLEANUP_BATCH
) -> int:
    """Delete inbox rows processed more than `keep` ago, `batch` rows per short transaction; returns how many.

    Pending and failed-but-retrying rows stay. A carrier redelivering after that is stored and applied again,
    which adds nothing: event fingerprints and notification dedupe keys already hold what it carries.
    """
    table = CarrierWebhookInbox.__table__
    oldest = (
        select(IN.id)
        .where(IN.processed_at.is_not(None), IN.processed_at < now - keep)
        .order_by(IN.processed_at)
        .limit(batch)
    )
    deleted = 0
    while True:
        async with sqlite_writer(engine), writing(engine) as conn:
            ids = list((await conn.execute(oldest)).scalars())
            if ids:
                await conn.execute(delete(table).where(IN.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted
