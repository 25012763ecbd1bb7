"""Recommendations for an order's tracking page: the merchant's rules, then products bought together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import LineItem, Merchant, Order
from app.recommend.parts import RECENT_ORDERS, Recommended, ShopParts, assemble

__all__ = ["RECENT_ORDERS", "Recommended", "recommendations"]

LI, ORD, M = (t.__table__ for t in (LineItem, Order, Merchant))


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
    `merchant` (the shop's row, for its two recommendation switches): when the caller has read them already.

    First the products of the rules the order's products or their collections meet, in rule order (position, then
    rule id) across the basket, each product once at its first place, active ones only. Then, while places remain
    and the shop wants them, products bought together: among the shop's RECENT_ORDERS latest other orders holding
    any of the order's products, in how many each other product is (most first, then by id), active ones only.
    Reads everything here (no cache); the tracking page assembles the same list from cached per-product parts."""
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
    basket = frozenset(in_order)
    return await assemble(ShopParts(merchant_id), conn, basket, order_id, limit, bool(merchant.bought_together_enabled))


async def _order_product_ids(conn: AsyncConnection, merchant_id: int, order_id: int) -> set[str]:
    query = (
        select(LI.c.product_id)
        .join(ORD, ORD.c.id == LI.c.order_id)
        .where(LI.c.order_id == order_id, ORD.c.merchant_id == merchant_id, LI.c.product_id != "")
    )
    return {r[0] for r in await conn.execute(query)}
