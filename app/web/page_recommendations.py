"""The products a tracking page recommends with its order, assembled from per-product parts (catalogue row, rules
met, orders holding it) kept in memory until the shop's catalogue or settings change."""

from __future__ import annotations

from typing import Any

from app.recommend import Recommended
from app.recommend.cache import parts_cache_for
from app.recommend.parts import assemble
from app.web.page_reads import page_reads
from app.web.page_watch import shop_generation
from app.web.pages_data import TrackingData

RECOMMENDED = 4


async def order_recommendations(state: Any, data: TrackingData) -> list[Recommended]:
    """What the shop recommends with the order's basket (its product ids), the same list as
    `app.recommend.recommendations`: put together in memory from what each product contributes, so a basket never
    seen before costs nothing once its products have been seen. Products not seen yet are read in one batch. Parts
    are kept until the shop's catalogue or settings change in this process (or a few minutes pass, for changes
    made elsewhere and for bought-together counts). `state` is the app's state (or the worker's), holding `runtime`."""
    merchant = data.merchant
    if not merchant.recommendations_enabled:
        return []
    engine = state.runtime.engine
    basket = frozenset(item.product_id for item in data.items if item.product_id)
    cache = parts_cache_for(state)
    # a change made here moves the generation at once; one made by another process moves the shop's revision
    parts = cache.shop(merchant.id, (shop_generation(engine).value, merchant.page_revision))
    bought_together = bool(merchant.bought_together_enabled)
    found = parts.pick(basket, data.order.id, RECOMMENDED, bought_together)
    if isinstance(found, list):
        return found
    async with page_reads(engine) as conn:
        picked = await assemble(parts, conn, basket, data.order.id, RECOMMENDED, bought_together)
    cache.settle(merchant.id)
    return picked
