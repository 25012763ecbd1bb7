"""Delivery on time per carrier: against the order's promised date and against the carrier's first estimate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import add_counts, add_shipment_day_sums, split
from app.analytics.sql import ORDER, SHIPMENT, day_on_or_before, scoped_shipments
from app.analytics.table import N_, ChartTable, Column, ratio

COLUMNS = [
    Column("carrier", N_("Carrier")),
    Column("delivered", N_("Delivered"), "count"),
    Column("with_promise", N_("With a promised date"), "count"),
    Column("on_time_promise", N_("On time (promised date)"), "count"),
    Column("promise_rate", N_("On-time rate (promised date)"), "rate"),
    Column("with_estimate", N_("With a first estimate"), "count"),
    Column("on_time_estimate", N_("On time (first estimate)"), "count"),
    Column("estimate_rate", N_("On-time rate (first estimate)"), "rate"),
]
MEASURES = ("delivered", "with_promise", "on_time_promise", "with_estimate", "on_time_estimate")


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _finish(values: dict[str, Any]) -> dict[str, Any]:
    row = {**values, **{key: int(values[key] or 0) for key in MEASURES}}
    row["promise_rate"] = ratio(row["on_time_promise"], row["with_promise"])
    row["estimate_rate"] = ratio(row["on_time_estimate"], row["with_estimate"])
    return row


async def on_time(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Delivered shipments; a delivery is on time when its UTC day is on or before the date. Closed days from the
    rollups, open days from the raw rows."""
    parts = await split(conn, f)
    per_carrier: dict[Any, dict[str, int]] = {}
    if parts.closed:
        await add_shipment_day_sums(conn, parts.closed, list(MEASURES), per_carrier)
    if parts.open:
        await _raw(conn, parts.open, per_carrier)
    found = sorted((c, v) for c, v in per_carrier.items() if v.get("delivered"))
    rows = [_finish({"carrier": carrier, **values}) for carrier, values in found]
    total = _finish({"carrier": N_("All carriers"), **{k: sum(r[k] for r in rows) for k in MEASURES}})
    return ChartTable("on_time", COLUMNS, rows, total if rows else None)


async def _raw(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    delivered = scoped_shipments(f).where(SHIPMENT.c.status == "delivered", SHIPMENT.c.delivered_at.is_not(None))
    scoped = delivered.with_only_columns(
        SHIPMENT.c.carrier, SHIPMENT.c.delivered_at, SHIPMENT.c.first_estimate, ORDER.c.promised_by
    ).subquery()
    query = select(
        scoped.c.carrier,
        func.count().label("delivered"),
        _count_if(scoped.c.promised_by.is_not(None)).label("with_promise"),
        _count_if(
            and_(
                scoped.c.promised_by.is_not(None),
                day_on_or_before(conn, scoped.c.delivered_at, scoped.c.promised_by),
            )
        ).label("on_time_promise"),
        _count_if(scoped.c.first_estimate.is_not(None)).label("with_estimate"),
        _count_if(
            and_(
                scoped.c.first_estimate.is_not(None),
                day_on_or_before(conn, scoped.c.delivered_at, scoped.c.first_estimate),
            )
        ).label("on_time_estimate"),
    ).group_by(scoped.c.carrier)
    for r in await conn.execute(query):
        add_counts(into, r.carrier, {k: getattr(r, k) for k in MEASURES})
