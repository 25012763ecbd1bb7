"""Recommendations per product: impressions, clicks, click-through rate, and orders placed after a click.

An order is attributed to a click when the same customer email places a later order within the merchant's
attribution window (days) after the click.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import Split, add_counts, gather, rolled_rows, split
from app.analytics.sql import ORDER, cohort, recorded_in_range, within_days_after
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import PageEvent, Product
from app.models.analytics_rollup import (
    MAX_ATTRIBUTION_DAYS,
    NO_PRODUCT,
    AttributionDayRollup,
    RecommendationDayRollup,
)

EVENT = PageEvent.__table__
PRODUCT = Product.__table__
ROLLED = RecommendationDayRollup.__table__
ATTRIBUTED = AttributionDayRollup.__table__

COLUMNS = [
    Column("product", N_("Product")),
    Column("impressions", N_("Impressions"), "count"),
    Column("clicks", N_("Clicks"), "count"),
    Column("ctr", N_("Click-through rate"), "rate"),
    Column("attributed_orders", N_("Orders after a click"), "count"),
]


async def _raw_counts(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    orders = cohort(f)
    query = (
        select(
            EVENT.c.product_id,
            func.sum(case((EVENT.c.kind == "rec_impression", 1), else_=0)).label("impressions"),
            func.sum(case((EVENT.c.kind == "rec_click", 1), else_=0)).label("clicks"),
        )
        .select_from(EVENT.join(orders, orders.c.id == EVENT.c.order_id))
        .where(
            EVENT.c.merchant_id == f.merchant_id,
            EVENT.c.kind.in_(("rec_impression", "rec_click")),
            recorded_in_range(conn, EVENT.c.created_at, f),
        )
        .group_by(EVENT.c.product_id)
    )
    for r in await conn.execute(query):
        add_counts(into, r.product_id, {"impressions": r.impressions, "clicks": r.clicks})


async def _rolled_counts(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    query = (
        select(
            ROLLED.c.product_id,
            func.sum(ROLLED.c.impressions).label("impressions"),
            func.sum(ROLLED.c.clicks).label("clicks"),
        )
        .where(*rolled_rows(ROLLED, f))
        .group_by(ROLLED.c.product_id)
    )
    for r in await conn.execute(query):
        product = None if r.product_id == NO_PRODUCT else r.product_id
        add_counts(into, product, {"impressions": r.impressions, "clicks": r.clicks})


async def _counts(conn: AsyncConnection, f: Filters) -> dict[Any, dict[str, int]]:
    """Impressions and clicks per product: closed days from the rollup, open days from the raw rows."""
    return await gather(conn, f, _rolled_counts, _raw_counts, {})


async def _raw_attributed(conn: AsyncConnection, f: Filters, into: set[tuple[Any, int]]) -> None:
    """(clicked product, later order) pairs from the raw rows."""
    orders = cohort(f, ORDER.c.customer_email)
    later = ORDER.alias("later")
    query = (
        select(EVENT.c.product_id, later.c.id)
        .select_from(
            EVENT.join(orders, orders.c.id == EVENT.c.order_id).join(
                later,
                and_(
                    later.c.merchant_id == f.merchant_id,
                    later.c.customer_email == orders.c.customer_email,
                    later.c.id != orders.c.id,
                    within_days_after(conn, later.c.placed_at, EVENT.c.created_at, f.attribution_days),
                ),
            )
        )
        .where(
            EVENT.c.merchant_id == f.merchant_id,
            EVENT.c.kind == "rec_click",
            recorded_in_range(conn, EVENT.c.created_at, f),
            orders.c.customer_email != "",
        )
        .distinct()
    )
    into.update((product_id, order_id) for product_id, order_id in await conn.execute(query))


async def _rolled_attributed(conn: AsyncConnection, f: Filters, into: set[tuple[Any, int]]) -> None:
    """(clicked product, later order) pairs from the attribution rollup's closed days."""
    query = (
        select(ATTRIBUTED.c.product_id, ATTRIBUTED.c.later_order_id)
        .where(*rolled_rows(ATTRIBUTED, f), ATTRIBUTED.c.within_days <= f.attribution_days)
        .distinct()
    )
    into.update(
        (None if product_id == NO_PRODUCT else product_id, order_id)
        for product_id, order_id in await conn.execute(query)
    )


async def _attributed(conn: AsyncConnection, f: Filters) -> tuple[dict[Any, int], int]:
    """Later orders per clicked product, and distinct later orders over all products: closed days from the
    rollup (unless the window is longer than it keeps), open days from the raw rows."""
    parts = await split(conn, f) if f.attribution_days <= MAX_ATTRIBUTION_DAYS else Split(None, f)
    pairs: set[tuple[Any, int]] = await gather(conn, f, _rolled_attributed, _raw_attributed, set(), parts=parts)
    per_product: dict[Any, set[int]] = defaultdict(set)
    everything: set[int] = set()
    for product_id, order_id in pairs:
        per_product[product_id].add(order_id)
        everything.add(order_id)
    return {product: len(ids) for product, ids in per_product.items()}, len(everything)


async def recommendations(conn: AsyncConnection, f: Filters) -> ChartTable:
    counts = await _counts(conn, f)
    attributed, attributed_total = await _attributed(conn, f)
    ids = [pid for pid in counts if pid is not None]
    titles: dict[Any, str] = {}
    if ids:
        query = select(PRODUCT.c.id, PRODUCT.c.title).where(
            PRODUCT.c.merchant_id == f.merchant_id, PRODUCT.c.id.in_(ids)
        )
        titles = {pid: title for pid, title in await conn.execute(query)}
    rows = []
    for pid, values in counts.items():
        rows.append(
            {
                "product": titles.get(pid, N_("Unknown product")),
                **values,
                "ctr": ratio(values["clicks"], values["impressions"]),
                "attributed_orders": attributed.get(pid, 0),
            }
        )
    rows.sort(key=lambda r: (-r["clicks"], -r["impressions"], r["product"]))
    impressions, clicks = sum(r["impressions"] for r in rows), sum(r["clicks"] for r in rows)
    total = {
        "product": N_("All products"),
        "impressions": impressions,
        "clicks": clicks,
        "ctr": ratio(clicks, impressions),
        "attributed_orders": attributed_total,
    }
    return ChartTable("recommendations", COLUMNS, rows, total if rows else None)
