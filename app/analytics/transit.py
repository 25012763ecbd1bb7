"""Transit time per carrier and service: median and 90th percentile of days from first movement to delivery."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import month_after, shipment_rows, split
from app.analytics.sql import SHIPMENT, scoped_shipments, whole_hours_between
from app.analytics.stats import percentile
from app.analytics.table import N_, ChartTable, Column
from app.models import TransitDayRollup
from app.models.analytics_rollup import TransitMonthRollup

TRANSIT_DAY = TransitDayRollup.__table__
TRANSIT_MONTH = TransitMonthRollup.__table__

COLUMNS = [
    Column("carrier", N_("Carrier")),
    Column("service", N_("Service")),
    Column("shipments", N_("Delivered shipments"), "count"),
    Column("median_days", N_("Median transit days"), "number"),
    Column("p90_days", N_("90th percentile transit days"), "number"),
]

Histogram = list[tuple[float, int]]


def _days(histogram: Histogram, fraction: float) -> float | None:
    hours = percentile(histogram, fraction)
    return None if hours is None else round(hours / 24, 2)


def _row(carrier: str, service: str, histogram: Histogram) -> dict[str, object]:
    return {
        "carrier": carrier,
        "service": service,
        "shipments": sum(count for _, count in histogram),
        "median_days": _days(histogram, 0.5),
        "p90_days": _days(histogram, 0.9),
    }


async def transit_times(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Counted in whole hours in the database (a histogram), so the percentiles need no row per shipment. Closed
    days from the rollups, open days from the raw rows."""
    parts = await split(conn, f)
    counts: dict[tuple[str, str], dict[float, int]] = defaultdict(lambda: defaultdict(int))
    if parts.closed:
        for rolled in _rolled_histograms(parts.closed):
            for carrier, service, hours, count in await conn.execute(rolled):
                counts[(carrier, service)][float(hours)] += int(count)
    if parts.open:
        for carrier, service, hours, count in await conn.execute(_raw_histogram(conn, parts.open)):
            counts[(carrier, service)][float(hours)] += int(count)
    groups: dict[tuple[str, str], Histogram] = {key: list(histogram.items()) for key, histogram in counts.items()}
    overall: dict[float, int] = defaultdict(int)
    for histogram in groups.values():
        for hours, count in histogram:
            overall[hours] += count
    rows = [_row(carrier, service, groups[(carrier, service)]) for carrier, service in sorted(groups)]
    total = _row(N_("All carriers"), "", list(overall.items())) if rows else None
    return ChartTable("transit", COLUMNS, rows, total)


def _whole_months(f: Filters) -> tuple[date, date] | None:
    """The first days of the first and last calendar months wholly inside the filter's days, if any."""
    first = f.start if f.start.day == 1 else month_after(f.start.replace(day=1))
    last: date | None = None
    month = first
    while month_after(month) - timedelta(days=1) <= f.end:
        last = month
        month = month_after(month)
    return (first, last) if last is not None else None


def _rolled_histograms(f: Filters) -> list[Any]:
    """Queries of the closed days' histogram: whole months from the month rollup, the other days from the day
    rollup."""
    months = _whole_months(f)
    month_query: list[Any] = []
    if months is None:
        parts = [(f.start, f.end)]
    else:
        first, last = months
        parts = [(f.start, first - timedelta(days=1)), (month_after(last), f.end)]
        month_rows = [
            TRANSIT_MONTH.c.merchant_id == f.merchant_id,
            TRANSIT_MONTH.c.month >= first,
            TRANSIT_MONTH.c.month <= last,
        ]
        if f.carrier:
            month_rows.append(TRANSIT_MONTH.c.carrier == f.carrier)
        month_query = [_sums(TRANSIT_MONTH, month_rows)]
    day_queries = [
        _sums(TRANSIT_DAY, shipment_rows(TRANSIT_DAY, dataclasses.replace(f, start=start, end=end)))
        for start, end in parts
        if start <= end
    ]
    return [*month_query, *day_queries]


def _sums(table: Any, where: list[Any]) -> Any:
    return (
        select(table.c.carrier, table.c.service, table.c.hours, func.sum(table.c.shipments))
        .where(*where)
        .group_by(table.c.carrier, table.c.service, table.c.hours)
    )


def _raw_histogram(conn: AsyncConnection, f: Filters) -> Any:
    """Delivered shipments per carrier, service and whole hours from first movement to delivery."""
    delivered = scoped_shipments(f).where(
        SHIPMENT.c.status == "delivered", SHIPMENT.c.delivered_at.is_not(None), SHIPMENT.c.shipped_at.is_not(None)
    )
    scoped = delivered.with_only_columns(
        SHIPMENT.c.carrier,
        SHIPMENT.c.service,
        whole_hours_between(conn, SHIPMENT.c.delivered_at, SHIPMENT.c.shipped_at).label("hours"),
    ).subquery()
    return select(scoped.c.carrier, scoped.c.service, scoped.c.hours, func.count().label("n")).group_by(
        scoped.c.carrier, scoped.c.service, scoped.c.hours
    )
