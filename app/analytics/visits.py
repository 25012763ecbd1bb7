"""Tracking-page visits: views per order, unique visitors and the share of orders whose page was opened, per day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
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


def _select(conn: AsyncConnection, f: Filters, by_day: bool) -> Any:
    orders = cohort(f, ORDER.c.placed_at)
    visitor = func.nullif(EVENT.c.visitor, "")
    measures = [
        func.count(func.distinct(orders.c.id)).label("orders"),
        func.count(EVENT.c.id).label("views"),
        func.count(func.distinct(visitor)).label("visitors"),
        func.count(func.distinct(EVENT.c.order_id)).label("visited_orders"),
    ]
    joined = orders.outerjoin(
        EVENT,
        and_(
            EVENT.c.order_id == orders.c.id,
            EVENT.c.merchant_id == f.merchant_id,
            EVENT.c.kind == "view",
            recorded_in_range(conn, EVENT.c.created_at, f),
        ),
    )
    if not by_day:
        return select(*measures).select_from(joined)
    day = utc_day(conn, orders.c.placed_at).label("day")
    return select(day, *measures).select_from(joined).group_by(day).order_by(day)


def _row(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "views_per_order": ratio(values["views"], values["orders"]),
        "visited_share": ratio(values["visited_orders"], values["orders"]),
    }


async def page_visits(conn: AsyncConnection, f: Filters) -> ChartTable:
    rows = [_row(dict(r._mapping)) for r in await conn.execute(_select(conn, f, by_day=True))]
    total = dict((await conn.execute(_select(conn, f, by_day=False))).one()._mapping)
    return ChartTable("visits", COLUMNS, rows, _row({"day": N_("All days"), **total}))
