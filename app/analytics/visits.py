"""Tracking-page visits: views per order, unique visitors and the share of orders whose page was opened, per day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import Split, rolled_rows, split
from app.analytics.sql import ORDER, cohort, recorded_in_range, utc_day
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import OrderDayRollup, PageEvent, VisitorDayRollup, VisitorSpanRollup

EVENT = PageEvent.__table__
ORDER_DAY = OrderDayRollup.__table__
VISITOR_DAY = VisitorDayRollup.__table__
VISITOR_SPAN = VisitorSpanRollup.__table__

COLUMNS = [
    Column("day", N_("Order date"), "date"),
    Column("orders", N_("Orders"), "count"),
    Column("views", N_("Page views"), "count"),
    Column("views_per_order", N_("Views per order"), "number"),
    Column("visitors", N_("Unique visitors"), "count"),
    Column("visited_orders", N_("Orders visited"), "count"),
    Column("visited_share", N_("Share of orders visited"), "rate"),
]
ADDITIVE = ("orders", "views", "visited_orders")


def _views(conn: AsyncConnection, f: Filters) -> tuple[Any, Any]:
    """The filter's orders (with placing time) left-joined to their page views."""
    orders = cohort(f, ORDER.c.placed_at)
    joined = orders.outerjoin(
        EVENT,
        and_(
            EVENT.c.order_id == orders.c.id,
            EVENT.c.merchant_id == f.merchant_id,
            EVENT.c.kind == "view",
            recorded_in_range(conn, EVENT.c.created_at, f),
        ),
    )
    return orders, joined


async def _per_day(conn: AsyncConnection, f: Filters) -> dict[str, dict[str, Any]]:
    """Orders, views and visited orders per day: counted per order first, so no DISTINCT is needed."""
    orders, joined = _views(conn, f)
    day = utc_day(conn, orders.c.placed_at).label("day")
    per_order = (
        select(day, func.count(EVENT.c.id).label("views")).select_from(joined).group_by(orders.c.id, day).subquery()
    )
    query = select(
        per_order.c.day,
        func.count().label("orders"),
        func.sum(per_order.c.views).label("views"),
        func.sum(case((per_order.c.views > 0, 1), else_=0)).label("visited_orders"),
    ).group_by(per_order.c.day)
    return {r.day: {k: int(getattr(r, k) or 0) for k in ADDITIVE} for r in await conn.execute(query)}


def _raw_visitors(conn: AsyncConnection, f: Filters) -> tuple[Any, Any]:
    """(day, visitor) pairs and visitors of the filter's views, as selects (an empty key is not a visitor)."""
    orders, joined = _views(conn, f)
    day = utc_day(conn, orders.c.placed_at).label("day")
    pairs = select(day, EVENT.c.visitor).select_from(joined).where(EVENT.c.visitor != "")
    return pairs, select(EVENT.c.visitor).select_from(joined).where(EVENT.c.visitor != "")


async def _rolled_per_day(conn: AsyncConnection, f: Filters) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Orders, views and visited orders per day, and distinct visitors per day, from the rollups."""
    query = (
        select(
            ORDER_DAY.c.day,
            func.sum(ORDER_DAY.c.orders).label("orders"),
            func.sum(ORDER_DAY.c.views).label("views"),
            func.sum(ORDER_DAY.c.visited_orders).label("visited_orders"),
        )
        .where(*rolled_rows(ORDER_DAY, f))
        .group_by(ORDER_DAY.c.day)
    )
    days = {_day(r.day): {k: int(getattr(r, k) or 0) for k in ADDITIVE} for r in await conn.execute(query)}
    counted = (
        select(VISITOR_SPAN.c.day, func.sum(VISITOR_SPAN.c.visitors))
        .where(*rolled_rows(VISITOR_SPAN, f))
        .group_by(VISITOR_SPAN.c.day)
    )
    return days, {_day(day): int(n) for day, n in await conn.execute(counted)}


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


async def _rolled_visitors(conn: AsyncConnection, f: Filters) -> int:
    """Distinct visitors of the rolled days: those of the days whose previous day is before the range."""
    query = select(func.sum(VISITOR_SPAN.c.visitors)).where(
        *rolled_rows(VISITOR_SPAN, f), VISITOR_SPAN.c.previous_day < f.start
    )
    return int((await conn.execute(query)).scalar_one() or 0)


async def _visitors(conn: AsyncConnection, parts: Split) -> tuple[dict[str, int], int]:
    """Distinct visitors per open day, and over the whole range: the rolled days' count plus the open days'
    visitors not seen on a rolled day of the range."""
    per_day: dict[str, int] = {}
    total = await _rolled_visitors(conn, parts.closed) if parts.closed else 0
    if parts.open:
        pairs, visitors = _raw_visitors(conn, parts.open)
        distinct_pairs = pairs.distinct().subquery()
        counted = select(distinct_pairs.c.day, func.count().label("n")).group_by(distinct_pairs.c.day)
        per_day.update({r.day: int(r.n) for r in await conn.execute(counted)})
        if parts.closed:
            seen = exists().where(*rolled_rows(VISITOR_DAY, parts.closed), VISITOR_DAY.c.visitor == EVENT.c.visitor)
            visitors = visitors.where(~seen)
        new = visitors.distinct().subquery()
        total += int((await conn.execute(select(func.count()).select_from(new))).scalar_one())
    return per_day, total


def _row(day: str, values: dict[str, Any], visitors: int) -> dict[str, Any]:
    return {
        "day": day,
        **values,
        "visitors": visitors,
        "views_per_order": ratio(values["views"], values["orders"]),
        "visited_share": ratio(values["visited_orders"], values["orders"]),
    }


async def page_visits(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Closed days from the rollups, open days (today) from the raw rows."""
    parts = await split(conn, f)
    days: dict[str, dict[str, Any]] = {}
    visitors: dict[str, int] = {}
    if parts.closed:
        days, visitors = await _rolled_per_day(conn, parts.closed)
    if parts.open:
        days.update(await _per_day(conn, parts.open))
    raw_visitors, all_visitors = await _visitors(conn, parts)
    visitors.update(raw_visitors)
    rows = [_row(day, days[day], visitors.get(day, 0)) for day in sorted(days)]
    totals = {key: sum(values[key] for values in days.values()) for key in ADDITIVE}
    return ChartTable("visits", COLUMNS, rows, _row(N_("All days"), totals, all_visitors))
