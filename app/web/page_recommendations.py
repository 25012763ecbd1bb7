"""The products a tracking page recommends with its order, shared by orders with the same basket and kept until the
shop's catalogue or settings change."""

from __future__ import annotations

from starlette.requests import Request

from app.recommend import Recommended, recommendations
from app.web.page_cache import CachedRecommendations, recommendations_cache_for
from app.web.page_reads import page_reads
from app.web.page_watch import shop_generation
from app.web.pages_data import TrackingData

RECOMMENDED = 4


async def order_recommendations(request: Request, data: TrackingData) -> list[Recommended]:
    """What the shop recommends with the order's basket (its product ids): the rules and bought-together counts
    depend on the products, not on which order holds them, so orders with the same basket share one look-up. Kept
    until the shop's catalogue or settings change in this process (or a few minutes pass, for changes made elsewhere
    and for bought-together counts)."""
    engine = request.app.state.runtime.engine
    merchant = data.merchant
    basket = frozenset(item.product_id for item in data.items if item.product_id)
    cache = recommendations_cache_for(request.app.state)
    key = (merchant.id, basket, shop_generation(engine).value)
    found = cache.get(key)
    if found is None:
        async with page_reads(engine) as conn:
            picked = await recommendations(
                conn,
                merchant_id=merchant.id,
                order_id=data.order.id,
                limit=RECOMMENDED,
                in_order=set(basket),
                merchant=merchant,
            )
        found = CachedRecommendations(tuple(picked))
        cache.put(key, found)
    return list(found.products)
