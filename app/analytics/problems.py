"""Problems per carrier: exceptions and failed delivery attempts (from tracking events) and stuck shipments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import add_counts, add_shipment_day_sums, split
from app.analytics.sql import ORDER, SHIPMENT, scoped_shipments
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import TrackingEvent
from app.models.analytics_rollup import TERMINAL_STATUSES

EVENT = TrackingEvent.__table__
PROBLEM_STATUSES = ("exception", "failed_attempt")

COLUMNS = [
    Column("carrier", N_("Carrier")),
    Column("shipments", N_("Shipments"), "count"),
    Column("exception_shipments", N_("Shipments with an exception"), "count"),
    Column("exception_events", N_("Exception events"), "count"),
    Column("failed_attempt_shipments", N_("Shipments with a failed attempt"), "count"),
    Column("failed_attempt_events", N_("Failed delivery attempts"), "count"),
    Column("stuck", N_("Stuck shipments"), "count"),
    Column("stuck_share", N_("Share stuck"), "rate"),
]
MEASURES = (
    "shipments",
    "exception_shipments",
    "exception_events",
    "failed_attempt_shipments",
    "failed_attempt_events",
    "stuck",
)

STUCK_COLUMNS = [
    Column("order_number", N_("Order")),
    Column("carrier", N_("Carrier")),
    Column("tracking_number", N_("Tracking number")),
    Column("status", N_("Status")),
    Column("last_event_at", N_("Last update"), "date"),
    Column("days_quiet", N_("Days without an update"), "number"),
]
STUCK_LIST_LIMIT = 100


def stuck_condition(f: Filters) -> Any:
    """Still active, and no carrier event (or, without any, no creation) for `stuck_days` days."""
    quiet_since = func.coalesce(SHIPMENT.c.last_event_at, SHIPMENT.c.created_at)
    return and_(SHIPMENT.c.status.not_in(TERMINAL_STATUSES), quiet_since < f.now - timedelta(days=f.stuck_days))


def _finish(values: dict[str, Any]) -> dict[str, Any]:
    row = {**values, **{key: int(values.get(key) or 0) for key in MEASURES}}
    row["stuck_share"] = ratio(row["stuck"], row["shipments"])
    return row


async def _raw(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    counts = scoped_shipments(f).with_only_columns(SHIPMENT.c.carrier, func.count().label("shipments"))
    for row in await conn.execute(counts.group_by(SHIPMENT.c.carrier)):
        add_counts(into, row.carrier, {"shipments": row.shipments})
    scoped = scoped_shipments(f).with_only_columns(SHIPMENT.c.id, SHIPMENT.c.carrier).subquery()
    events = (
        select(
            scoped.c.carrier,
            EVENT.c.status,
            func.count().label("events"),
            func.count(func.distinct(EVENT.c.shipment_id)).label("shipments"),
        )
        .select_from(EVENT.join(scoped, scoped.c.id == EVENT.c.shipment_id))
        .where(EVENT.c.status.in_(PROBLEM_STATUSES))
        .group_by(scoped.c.carrier, EVENT.c.status)
    )
    for row in await conn.execute(events):
        add_counts(into, row.carrier, {f"{row.status}_events": row.events, f"{row.status}_shipments": row.shipments})


async def problems_per_carrier(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Shipments and problem events: closed days from the rollups, open days from the raw rows. Stuck shipments
    depend on the current time, so they are always counted from the raw rows."""
    parts = await split(conn, f)
    per_carrier: dict[Any, dict[str, int]] = {}
    if parts.closed:
        await add_shipment_day_sums(conn, parts.closed, [name for name in MEASURES if name != "stuck"], per_carrier)
    if parts.open:
        await _raw(conn, parts.open, per_carrier)
    stuck = scoped_shipments(f).where(stuck_condition(f)).with_only_columns(SHIPMENT.c.carrier, func.count())
    for carrier, count in await conn.execute(stuck.group_by(SHIPMENT.c.carrier)):
        add_counts(per_carrier, carrier, {"stuck": count})
    rows = [_finish({"carrier": carrier, **values}) for carrier, values in sorted(per_carrier.items())]
    total = _finish({"carrier": N_("All carriers"), **{k: sum(r[k] for r in rows) for k in MEASURES}})
    return ChartTable("problems", COLUMNS, rows, total if rows else None)


async def stuck_shipments(conn: AsyncConnection, f: Filters) -> ChartTable:
    """The longest-quiet active shipments (at most STUCK_LIST_LIMIT), oldest update first."""
    quiet_since = func.coalesce(SHIPMENT.c.last_event_at, SHIPMENT.c.created_at)
    query = (
        scoped_shipments(f)
        .where(stuck_condition(f))
        .with_only_columns(
            ORDER.c.number, SHIPMENT.c.carrier, SHIPMENT.c.tracking_number, SHIPMENT.c.status, quiet_since
        )
        .order_by(quiet_since, SHIPMENT.c.id)
        .limit(STUCK_LIST_LIMIT)
    )
    rows = [
        {
            "order_number": number,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "status": status,
            "last_event_at": since,
            "days_quiet": round((f.now - since).total_seconds() / 86400, 1),
        }
        for number, carrier, tracking_number, status, since in await conn.execute(query)
    ]
    return ChartTable("stuck", STUCK_COLUMNS, rows)
