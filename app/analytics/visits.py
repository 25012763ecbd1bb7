"""Tracking-page visits: views per order, unique visitors and the share of orders whose page was opened, per day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.sql import ORDER, cohort, recorded_in_range, utc_day
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import PageEvent

EVENT = PageEvent.__table__

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


async def _visitors(conn: AsyncConnection, f: Filters) -> tuple[dict[str, int], int]:
    """Distinct visitors per day and over the whole range (an empty visitor key is not a visitor)."""
    orders, joined = _views(conn, f)
    day = utc_day(conn, orders.c.placed_at).label("day")
    pairs = select(day, EVENT.c.visitor).select_from(joined).where(EVENT.c.visitor != "").distinct().subquery()
    counted = select(pairs.c.day, func.count().label("n")).group_by(pairs.c.day)
    per_day = {r.day: int(r.n) for r in await conn.execute(counted)}
    everyone = select(EVENT.c.visitor).select_from(joined).where(EVENT.c.visitor != "").distinct().subquery()
    total = (await conn.execute(select(func.count()).select_from(everyone))).scalar_one()
    return per_day, int(total)


def _row(day: str, values: dict[str, Any], visitors: int) -> dict[str, Any]:
    return {
        "day": day,
        **values,
        "visitors": visitors,
        "views_per_order": ratio(values["views"], values["orders"]),
        "visited_share": ratio(values["visited_orders"], values["orders"]),
    }


async def page_visits(conn: AsyncConnection, f: Filters) -> ChartTable:
    days = await _per_day(conn, f)
    visitors, all_visitors = await _visitors(conn, f)
    rows = [_row(day, days[day], visitors.get(day, 0)) for day in sorted(days)]
    totals = {key: sum(values[key] for values in days.values()) for key in ADDITIVE}
    return ChartTable("visits", COLUMNS, rows, _row(N_("All days"), totals, all_visitors))
