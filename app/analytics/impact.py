"""Measured impact: the holdout group (no proactive messages) against the other orders, with 95 % intervals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import Split, rolled_rows, split
from app.analytics.sql import ORDER, cohort, recorded_in_range
from app.analytics.stats import Difference, Moments, mean_difference, proportion_difference
from app.analytics.table import N_, ChartTable, Column
from app.models import OrderDayRollup, PageEvent, SurveyResponse

VIEW = PageEvent.__table__
RESPONSE = SurveyResponse.__table__
ORDER_DAY = OrderDayRollup.__table__

COLUMNS = [
    Column("metric", N_("Measure"), "label"),
    Column("messaged_n", N_("Orders with messages"), "count"),
    Column("messaged_value", N_("With messages"), "number"),
    Column("holdout_n", N_("Holdout orders"), "count"),
    Column("holdout_value", N_("Holdout"), "number"),
    Column("difference", N_("Difference"), "number"),
    Column("ci_low", N_("Interval from"), "number"),
    Column("ci_high", N_("Interval to"), "number"),
    Column("note", N_("Note"), "label"),
]
NOT_ENOUGH_DATA = N_("not enough data")


def _sums(value: Any) -> list[Any]:
    return [func.count().label("n"), func.sum(value).label("total"), func.sum(value * value).label("squares")]


async def _moments(conn: AsyncConnection, query: Any) -> dict[bool, Moments]:
    rows = await conn.execute(query)
    found = {bool(r.holdout): Moments(int(r.n), float(r.total or 0), float(r.squares or 0)) for r in rows}
    return {group: found.get(group, Moments(0, 0.0, 0.0)) for group in (False, True)}


def _combined(*parts: dict[bool, Moments]) -> dict[bool, Moments]:
    return {
        group: Moments(
            sum(p[group].n for p in parts), sum(p[group].total for p in parts), sum(p[group].squares for p in parts)
        )
        for group in (False, True)
    }


async def _rolled(
    conn: AsyncConnection, f: Filters, total: Any, squares: Any, count: Any = ORDER_DAY.c.orders
) -> dict[bool, Moments]:
    """Per holdout group from the order-day rollup: the count (orders unless told), and the sum and squares of
    one measure."""
    query = (
        select(
            ORDER_DAY.c.holdout,
            func.sum(count).label("n"),
            func.sum(total).label("total"),
            func.sum(squares).label("squares"),
        )
        .where(*rolled_rows(ORDER_DAY, f))
        .group_by(ORDER_DAY.c.holdout)
    )
    return await _moments(conn, query)


async def _split_moments(
    conn: AsyncConnection, parts: Split, raw: Callable[[AsyncConnection, Filters], Awaitable[dict[bool, Moments]]],
    total: Any, squares: Any, count: Any = ORDER_DAY.c.orders,
) -> dict[bool, Moments]:  # fmt: skip
    found = []
    if parts.closed:
        found.append(await _rolled(conn, parts.closed, total, squares, count))
    if parts.open:
        found.append(await raw(conn, parts.open))
    return _combined(*found)


async def _visits(conn: AsyncConnection, f: Filters) -> dict[bool, Moments]:
    orders = cohort(f, ORDER.c.holdout)
    per_order = (
        select(orders.c.holdout, func.count(VIEW.c.id).label("views"))
        .select_from(
            orders.outerjoin(
                VIEW,
                and_(
                    VIEW.c.order_id == orders.c.id,
                    VIEW.c.merchant_id == f.merchant_id,
                    VIEW.c.kind == "view",
                    recorded_in_range(conn, VIEW.c.created_at, f),
                ),
            )
        )
        .group_by(orders.c.id, orders.c.holdout)
        .subquery()
    )
    return await _moments(conn, select(per_order.c.holdout, *_sums(per_order.c.views)).group_by(per_order.c.holdout))


async def _cancellations(conn: AsyncConnection, f: Filters) -> dict[bool, Moments]:
    orders = cohort(f, ORDER.c.holdout, ORDER.c.cancelled_at)
    cancelled = case((orders.c.cancelled_at.is_not(None), 1), else_=0)
    return await _moments(conn, select(orders.c.holdout, *_sums(cancelled)).group_by(orders.c.holdout))


async def _feedback(conn: AsyncConnection, f: Filters) -> dict[bool, Moments]:
    orders = cohort(f, ORDER.c.holdout)
    query = (
        select(orders.c.holdout, *_sums(RESPONSE.c.rating))
        .select_from(RESPONSE.join(orders, orders.c.id == RESPONSE.c.order_id))
        .where(RESPONSE.c.merchant_id == f.merchant_id, RESPONSE.c.kind == "feedback", RESPONSE.c.rating.is_not(None))
        .group_by(orders.c.holdout)
    )
    return await _moments(conn, query)


def _row(metric: str, groups: dict[bool, Moments], difference: Difference) -> dict[str, Any]:
    messaged, holdout = groups[False], groups[True]
    return {
        "metric": metric,
        "messaged_n": messaged.n,
        "messaged_value": messaged.mean,
        "holdout_n": holdout.n,
        "holdout_value": holdout.mean,
        "difference": difference.estimate,
        "ci_low": difference.low,
        "ci_high": difference.high,
        "note": "" if difference.enough_data else NOT_ENOUGH_DATA,
    }


async def holdout_impact(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Each difference is messaged minus holdout: what proactive messages changed."""
    parts = await split(conn, f)
    visits = await _split_moments(conn, parts, _visits, ORDER_DAY.c.views, ORDER_DAY.c.view_squares)
    cancels = await _split_moments(conn, parts, _cancellations, ORDER_DAY.c.cancelled, ORDER_DAY.c.cancelled)
    scores = await _split_moments(
        conn, parts, _feedback, ORDER_DAY.c.rating_total, ORDER_DAY.c.rating_squares, ORDER_DAY.c.rated
    )
    rows = [
        _row(N_("Page views per order"), visits, mean_difference(visits[False], visits[True])),
        _row(
            N_("Cancellation rate"),
            cancels,
            proportion_difference(
                int(cancels[False].total), cancels[False].n, int(cancels[True].total), cancels[True].n
            ),
        ),
        _row(N_("Mean feedback score"), scores, mean_difference(scores[False], scores[True])),
    ]
    return ChartTable("impact", COLUMNS, rows)
