"""Time-based triggers the carrier never reports: not shipped after N days, delayed, estimate changed, feedback
after delivery. Runs every minute; dedupe keys make a repeat run write nothing new."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import writing
from app.models import Merchant, Notification, Order, Shipment
from app.notify.enqueue import Candidate, queue

if TYPE_CHECKING:
    from app.runtime import Runtime

ORD, S, M, N = (t.__table__.c for t in (Order, Shipment, Merchant, Notification))
MOVING = ("in_transit", "out_for_delivery", "exception", "failed_attempt")
UNSHIPPED = ("pending", "info_received")
TERMINAL = ("delivered", "returned", "expired")
LOOKBACK = timedelta(days=30)


def _not_yet(trigger: str, column: Any) -> Any:
    return ~exists().where(N.trigger == trigger, column)


async def not_shipped(conn: AsyncConnection, now: datetime) -> list[Candidate]:
    """Orders placed at least `not_shipped_days` ago none of whose parcels has moved."""
    moved = exists().where(S.order_id == ORD.id, S.status.not_in(UNSHIPPED))
    query = (
        select(ORD.id, ORD.merchant_id, ORD.placed_at, ORD.promised_by, M.not_shipped_days)
        .join(Merchant.__table__, M.id == ORD.merchant_id)
        .where(ORD.cancelled_at.is_(None), ORD.placed_at <= now - timedelta(days=1), ORD.placed_at >= now - LOOKBACK)
        .where(~moved, _not_yet("not_shipped", N.order_id == ORD.id))
    )
    rows = [r for r in await conn.execute(query) if r.placed_at <= now - timedelta(days=r.not_shipped_days)]
    estimates = await _order_estimates(conn, [r.id for r in rows])
    today = now.date()
    candidates = []
    for r in rows:
        new_date = _honest_date(r.promised_by, estimates.get(r.id), today)
        context = {"new_date": new_date.isoformat() if new_date else "", "days": r.not_shipped_days}
        candidates.append(Candidate(r.merchant_id, r.id, "not_shipped", f"o{r.id}", context=context))
    return candidates


def _honest_date(promised: date | None, estimate: date | None, today: date) -> date | None:
    """The carrier's estimate when there is one, else the shop's promise if still ahead; never a guess."""
    if estimate and estimate >= today:
        return estimate
    return promised if promised and promised >= today else None


async def _order_estimates(conn: AsyncConnection, order_ids: list[int]) -> dict[int, date]:
    if not order_ids:
        return {}
    query = select(S.order_id, S.estimate_latest).where(S.order_id.in_(order_ids), S.estimate_latest.is_not(None))
    found: dict[int, date] = {}
    for row in await conn.execute(query):
        found[row.order_id] = max(found.get(row.order_id, row.estimate_latest), row.estimate_latest)
    return found


async def delayed(conn: AsyncConnection, now: datetime) -> list[Candidate]:
    """Parcels past their estimate (or the shop's promise) or without a scan for the merchant's `delay_hours`."""
    today = now.date()
    late = or_(
        S.estimate_latest < today,
        and_(S.estimate_latest.is_(None), ORD.promised_by < today),
        S.last_event_at < now - timedelta(hours=1),
    )
    query = (
        select(S.id, S.order_id, S.merchant_id, S.estimate_latest, S.last_event_at, ORD.promised_by, M.delay_hours)
        .join(Order.__table__, ORD.id == S.order_id)
        .join(Merchant.__table__, M.id == S.merchant_id)
        .where(S.status.in_(MOVING), ORD.cancelled_at.is_(None), S.created_at >= now - LOOKBACK * 3, late)
        .where(_not_yet("delayed", N.shipment_id == S.id))
    )
    candidates = []
    for r in await conn.execute(query):
        reason = _delay_reason(r, now)
        if reason:
            context = {"reason": reason, "estimate": r.estimate_latest.isoformat() if r.estimate_latest else ""}
            candidates.append(Candidate(r.merchant_id, r.order_id, "delayed", f"s{r.id}", r.id, context))
    return candidates


def _delay_reason(r: Any, now: datetime) -> str:
    if r.estimate_latest is not None and r.estimate_latest < now.date():
        return "past_estimate"
    if r.estimate_latest is None and r.promised_by is not None and r.promised_by < now.date():
        return "past_promise"
    if r.last_event_at is not None and now - r.last_event_at >= timedelta(hours=r.delay_hours):
        return "no_scan"
    return ""


async def estimate_changed(conn: AsyncConnection, now: datetime) -> list[Candidate]:
    """Parcels whose latest estimate differs from the one the shopper was last told (or the first one)."""
    query = select(S.id, S.order_id, S.merchant_id, S.estimate_latest, S.first_estimate).where(
        S.status.not_in(TERMINAL),
        S.estimate_latest.is_not(None),
        S.first_estimate.is_not(None),
        S.updated_at >= now - timedelta(days=3),
    )
    rows = list(await conn.execute(query))
    told = await _announced(conn, [r.id for r in rows])
    candidates = []
    for r in rows:
        if r.estimate_latest != told.get(r.id, r.first_estimate):
            day = r.estimate_latest.isoformat()
            context = {"estimate": day, "previous": told.get(r.id, r.first_estimate).isoformat()}
            candidates.append(Candidate(r.merchant_id, r.order_id, "estimate_changed", f"s{r.id}:{day}", r.id, context))
    return candidates


async def _announced(conn: AsyncConnection, shipment_ids: Iterable[int]) -> dict[int, date]:
    """The estimate in each shipment's newest message that carried one."""
    ids = list(shipment_ids)
    if not ids:
        return {}
    query = select(N.shipment_id, N.context).where(N.shipment_id.in_(ids)).order_by(N.id)
    told: dict[int, date] = {}
    for row in await conn.execute(query):
        if (row.context or {}).get("estimate"):
            told[row.shipment_id] = date.fromisoformat(row.context["estimate"])
    return told


async def feedback_request(conn: AsyncConnection, now: datetime) -> list[Candidate]:
    """Delivered orders `feedback_days` after delivery (within a week of that day: never a stale ask)."""
    query = (
        select(S.id, S.order_id, S.merchant_id, S.delivered_at, M.feedback_days)
        .join(Merchant.__table__, M.id == S.merchant_id)
        .where(S.status == "delivered", S.delivered_at <= now - timedelta(hours=1), S.delivered_at >= now - LOOKBACK)
        .where(_not_yet("feedback_request", N.order_id == S.order_id))
    )
    candidates = []
    for r in await conn.execute(query):
        due = r.delivered_at + timedelta(days=r.feedback_days)
        if due <= now <= due + timedelta(days=7):
            candidates.append(Candidate(r.merchant_id, r.order_id, "feedback_request", f"o{r.order_id}", r.id, {}))
    return candidates


async def run_timed_triggers(rt: Runtime, now: datetime | None = None) -> int:
    """Write the outbox rows that are due by time; returns how many."""
    now = now or datetime.now(UTC)
    written = 0
    for finder in (not_shipped, delayed, estimate_changed, feedback_request):
        async with writing(rt.engine) as conn:
            written += await queue(conn, await finder(conn, now), now)
    return written
