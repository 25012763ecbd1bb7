"""Recommendations for an order's tracking page: the merchant's rules, then products bought together."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import LineItem, Merchant, Order, Product, RecommendationRule

LI, ORD, PR, RULE, M = (t.__table__ for t in (LineItem, Order, Product, RecommendationRule, Merchant))
RECENT_ORDERS = 2000  # bought-together looks at this many of the shop's latest orders sharing a product


@dataclass(frozen=True, slots=True)
class Recommended:
    product_id: int
    title: str
    url: str
    image_url: str
    price_cents: int
    currency: str
    reason: str  # "rule" or "bought_together"


async def recommendations(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    order_id: int,
    limit: int = 4,
    in_order: set[str] | None = None,
    merchant: Any = None,
) -> list[Recommended]:
    """Products to show with this order, never one it already contains. `in_order` (the order's product ids) and
    `merchant` (the shop's row, for its two recommendation switches): when the caller has read them already."""
    if merchant is None:
        merchant = (
            await conn.execute(
                select(M.c.recommendations_enabled, M.c.bought_together_enabled).where(M.c.id == merchant_id)
            )
        ).first()
    if merchant is None or not merchant.recommendations_enabled or limit <= 0:
        return []
    if in_order is None:
        in_order = await _order_product_ids(conn, merchant_id, order_id)
    bought = await _products_by_external(conn, merchant_id, in_order)
    exclude = {p.id for p in bought}
    picked: list[Recommended] = []
    for row in await _rule_products(conn, merchant_id, in_order, bought):
        if row.id not in exclude and row.external_id not in in_order:
            picked.append(_recommended(row, "rule"))
            exclude.add(row.id)
    if len(picked) < limit and merchant.bought_together_enabled and in_order:
        for row in await _bought_together(conn, merchant_id, order_id, in_order):
            if row.id not in exclude:
                picked.append(_recommended(row, "bought_together"))
                exclude.add(row.id)
    return picked[:limit]


def _recommended(row: Any, reason: str) -> Recommended:
    return Recommended(row.id, row.title, row.url, row.image_url, row.price_cents, row.currency, reason)


async def _order_product_ids(conn: AsyncConnection, merchant_id: int, order_id: int) -> set[str]:
    query = (
        select(LI.c.product_id)
        .join(ORD, ORD.c.id == LI.c.order_id)
        .where(LI.c.order_id == order_id, ORD.c.merchant_id == merchant_id, LI.c.product_id != "")
    )
    return {r[0] for r in await conn.execute(query)}


_PRODUCTS_BY_EXTERNAL = select(PR).where(
    PR.c.merchant_id == bindparam("merchant_id"), PR.c.external_id.in_(bindparam("external_ids", expanding=True))
)
# built once (a page's first view runs them): the rules met by the basket's products or their collections, in rule
# order, found through the (merchant_id, when_value) index; then the active products they name
_RULES_MET = (
    select(RULE.c.product_id)
    .where(
        RULE.c.merchant_id == bindparam("merchant_id"),
        RULE.c.when_value.in_(bindparam("values", expanding=True)),
        or_(
            (RULE.c.when_kind == "product") & RULE.c.when_value.in_(bindparam("products", expanding=True)),
            (RULE.c.when_kind == "collection") & RULE.c.when_value.in_(bindparam("collections", expanding=True)),
        ),
    )
    .order_by(RULE.c.position, RULE.c.id)
)
_ACTIVE_PRODUCTS = select(PR).where(
    PR.c.merchant_id == bindparam("merchant_id"), PR.c.id.in_(bindparam("ids", expanding=True)), PR.c.active.is_(True)
)


async def _products_by_external(conn: AsyncConnection, merchant_id: int, external_ids: set[str]) -> list[Any]:
    if not external_ids:
        return []
    keys = {"merchant_id": merchant_id, "external_ids": sorted(external_ids)}
    return list((await conn.execute(_PRODUCTS_BY_EXTERNAL, keys)).all())


async def _rule_products(conn: AsyncConnection, merchant_id: int, in_order: set[str], bought: list[Any]) -> list[Any]:
    """The products of the rules this order meets (its products, its products' collections), in rule order."""
    collections = {c.strip() for p in bought for c in p.collections.split(",") if c.strip()}
    if not in_order and not collections:
        return []
    keys = {
        "merchant_id": merchant_id,
        "values": sorted(in_order | collections),
        "products": sorted(in_order),
        "collections": sorted(collections),
    }
    wanted = [r.product_id for r in await conn.execute(_RULES_MET, keys)]
    if not wanted:
        return []
    found = {row.id: row for row in await conn.execute(_ACTIVE_PRODUCTS, {"merchant_id": merchant_id, "ids": wanted})}
    return [found[pid] for pid in dict.fromkeys(wanted) if pid in found]  # a product two rules name: the first's place


async def _bought_together(conn: AsyncConnection, merchant_id: int, order_id: int, in_order: set[str]) -> list[Any]:
    """Products most often found in the shop's other orders that share a product with this one."""
    others = (
        select(LI.c.order_id)
        .join(ORD, ORD.c.id == LI.c.order_id)
        .where(ORD.c.merchant_id == merchant_id, LI.c.product_id.in_(sorted(in_order)), LI.c.order_id != order_id)
        .distinct()
        .order_by(LI.c.order_id.desc())
        .limit(RECENT_ORDERS)
        .subquery()
    )
    query = select(LI.c.order_id, LI.c.product_id).where(
        LI.c.order_id.in_(select(others.c.order_id)), LI.c.product_id != ""
    )
    counts: Counter[str] = Counter()
    for _, product in {(r.order_id, r.product_id) for r in await conn.execute(query)}:
        if product not in in_order:
            counts[product] += 1
    if not counts:
        return []
    ranked = [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:20]
    rows = {
        row.external_id: row
        for row in await conn.execute(
            select(PR).where(PR.c.merchant_id == merchant_id, PR.c.external_id.in_(ranked), PR.c.active.is_(True))
        )
    }
    return [rows[p] for p in ranked if p in rows]
