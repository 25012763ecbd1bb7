"""Recommendations for an order's tracking page: the merchant's rules, then products bought together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection


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
    conn: AsyncConnection, *, merchant_id: int, order_id: int, limit: int = 4
) -> list[Recommended]:
    """Products to show with this order, never one it already contains."""
    return []
