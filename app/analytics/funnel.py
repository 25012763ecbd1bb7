"""Notification funnel per trigger and channel (queued, sent, failed, delivered, opened, clicked) and unsubscribes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import gather, rolled_rows
from app.analytics.sql import MESSAGE_EVENT_KINDS, cohort, is_postgres, message_event_flags, recorded_in_range
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import FunnelDayRollup, MessageEvent, Notification, Suppression

NOTE = Notification.__table__
EVENT = MessageEvent.__table__
SUPPRESSION = Suppression.__table__
FUNNEL_DAY = FunnelDayRollup.__table__

COLUMNS = [
    Column("trigger", N_("Trigger")),
    Column("channel", N_("Channel")),
    Column("queued", N_("Queued"), "count"),
    Column("sent", N_("Sent"), "count"),
    Column("failed", N_("Failed"), "count"),
    Column("undelivered", N_("Bounced or undelivered"), "count"),
    Column("delivered", N_("Delivered"), "count"),
    Column("opened", N_("Opened"), "count"),
    Column("clicked", N_("Clicked"), "count"),
    Column("open_rate", N_("Open rate"), "rate"),
    Column("click_rate", N_("Click rate"), "rate"),
]
MEASURES = ("queued", "sent", "failed", "undelivered", "delivered", "opened", "clicked")

UNSUBSCRIBE_COLUMNS = [
    Column("channel", N_("Channel")),
    Column("reason", N_("Reason")),
    Column("count", N_("Unsubscribes"), "count"),
]


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _finish(values: dict[str, Any]) -> dict[str, Any]:
    row = {**values, **{key: int(values[key] or 0) for key in MEASURES}}
    if row["channel"] == "email":
        # SMTP acceptance is all email tells us: accepted and not bounced counts as delivered.
        row["delivered"] = max(row["sent"] - row["undelivered"], 0)
    row["open_rate"] = ratio(row["opened"], row["sent"]) if row["channel"] == "email" else None
    row["click_rate"] = ratio(row["clicked"], row["sent"])
    return row


def _event_flags(conn: AsyncConnection, f: Filters) -> Any:
    """Per notification with events since the range began: 1/0 flags for each kind of event."""
    return (
        select(
            EVENT.c.notification_id,
            *message_event_flags(EVENT),
        )
        .where(
            EVENT.c.merchant_id == f.merchant_id,
            EVENT.c.kind.in_(MESSAGE_EVENT_KINDS),
            recorded_in_range(conn, EVENT.c.created_at, f),
        )
        .group_by(EVENT.c.notification_id)
        .subquery("flags")
    )


def _has_event(f: Filters, *kinds: str) -> Any:
    return exists().where(
        EVENT.c.notification_id == NOTE.c.id, EVENT.c.merchant_id == f.merchant_id, EVENT.c.kind.in_(kinds)
    )


def _event_counts(conn: AsyncConnection, f: Filters, notes: Any) -> tuple[Any, list[Any]]:
    """How many notifications had each kind of event. PostgreSQL aggregates the range's events once and joins
    them; SQLite probes each notification's events by id, which its planner does best."""
    names = ("undelivered", "delivered", "opened", "clicked")
    if is_postgres(conn):
        flags = _event_flags(conn, f)
        joined = notes.outerjoin(flags, flags.c.notification_id == NOTE.c.id)
        return joined, [func.sum(flags.c[name]).label(name) for name in names]
    kinds = (("bounced", "undelivered"), ("delivered",), ("open",), ("click",))
    return notes, [_count_if(_has_event(f, *k)).label(name) for name, k in zip(names, kinds, strict=True)]


Counts = dict[tuple[str, str], dict[str, int]]


def _add(into: Counts, rows: Any) -> None:
    for r in rows:
        counts = into.setdefault((r.trigger, r.channel), dict.fromkeys(MEASURES, 0))
        for key in MEASURES:
            counts[key] += int(getattr(r, key) or 0)


async def _raw_counts(conn: AsyncConnection, f: Filters, into: Counts) -> None:
    orders = cohort(f)
    joined, event_counts = _event_counts(conn, f, NOTE.join(orders, orders.c.id == NOTE.c.order_id))
    query = (
        select(
            NOTE.c.trigger,
            NOTE.c.channel,
            _count_if(NOTE.c.state.in_(("pending", "sending"))).label("queued"),
            _count_if(NOTE.c.state == "sent").label("sent"),
            _count_if(NOTE.c.state == "failed").label("failed"),
            *event_counts,
        )
        .select_from(joined)
        .where(NOTE.c.merchant_id == f.merchant_id, recorded_in_range(conn, NOTE.c.created_at, f))
        .group_by(NOTE.c.trigger, NOTE.c.channel)
    )
    _add(into, await conn.execute(query))


async def _rolled_counts(conn: AsyncConnection, f: Filters, into: Counts) -> None:
    query = (
        select(FUNNEL_DAY.c.trigger, FUNNEL_DAY.c.channel, *(func.sum(FUNNEL_DAY.c[k]).label(k) for k in MEASURES))
        .where(*rolled_rows(FUNNEL_DAY, f))
        .group_by(FUNNEL_DAY.c.trigger, FUNNEL_DAY.c.channel)
    )
    _add(into, await conn.execute(query))


async def notification_funnel(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Closed days from the rollups, open days (today) from the raw rows."""
    counts: Counts = await gather(conn, f, _rolled_counts, _raw_counts, {})
    rows = [
        _finish({"trigger": trigger, "channel": channel, **counts[(trigger, channel)]})
        for trigger, channel in sorted(counts)
    ]
    total: dict[str, Any] = {"trigger": N_("All triggers"), "channel": ""}
    total.update({key: sum(r[key] for r in rows) for key in MEASURES})
    email_sent = sum(r["sent"] for r in rows if r["channel"] == "email")
    total["open_rate"] = ratio(sum(r["opened"] for r in rows if r["channel"] == "email"), email_sent)
    total["click_rate"] = ratio(total["clicked"], total["sent"])
    return ChartTable("funnel", COLUMNS, rows, total if rows else None)


async def unsubscribes(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Opt-outs recorded in the date range, per channel and reason (not tied to orders, so no carrier filter)."""
    query = (
        select(SUPPRESSION.c.channel, SUPPRESSION.c.reason, func.count().label("count"))
        .where(
            and_(
                SUPPRESSION.c.merchant_id == f.merchant_id,
                SUPPRESSION.c.created_at >= f.start_at,
                SUPPRESSION.c.created_at < f.end_before,
            )
        )
        .group_by(SUPPRESSION.c.channel, SUPPRESSION.c.reason)
        .order_by(SUPPRESSION.c.channel, SUPPRESSION.c.reason)
    )
    rows = [dict(r._mapping) for r in await conn.execute(query)]
    total = {"channel": N_("All channels"), "reason": "", "count": sum(r["count"] for r in rows)} if rows else None
    return ChartTable("unsubscribes", UNSUBSCRIBE_COLUMNS, rows, total)
