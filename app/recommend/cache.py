"""Product parts kept in memory per shop, for the tracking pages: dropped when the shop's generation moves (a catalogue,
rule or settings change committed in this process) or after `ttl` seconds, and bounded by what they hold."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from app.recommend.parts import ShopParts


class PartsCache:
    """Each shop's ShopParts, least recently used shops dropped first once `max_weight` (parts, rows and orders
    held, all shops together) is passed; a shop alone above it starts over."""

    def __init__(self, *, ttl: float = 300.0, max_weight: int = 500_000) -> None:
        self.ttl = ttl
        self.max_weight = max_weight
        self._shops: OrderedDict[int, ShopParts] = OrderedDict()

    def shop(self, merchant_id: int, generation: object) -> ShopParts:
        """The shop's parts for this generation (fresh ones when the generation moved or the ttl passed)."""
        found = self._shops.get(merchant_id)
        if found is None or found.generation != generation or time.monotonic() - found.born > self.ttl:
            found = self._shops[merchant_id] = ShopParts(merchant_id, generation)
        self._shops.move_to_end(merchant_id)
        return found

    def settle(self, merchant_id: int) -> None:
        """After a load: keep the total weight under the bound."""
        total = sum(parts.weight for parts in self._shops.values())
        while total > self.max_weight and len(self._shops) > 1:
            _, dropped = self._shops.popitem(last=False)
            total -= dropped.weight
        if total > self.max_weight:
            self._shops.pop(merchant_id, None)

    def clear(self) -> None:
        self._shops.clear()

    @property
    def weight(self) -> int:
        return sum(parts.weight for parts in self._shops.values())


def parts_cache_for(state: Any) -> PartsCache:
    """The app's cache (one per app state)."""
    found = getattr(state, "recommendation_parts", None)
    if found is None:
        found = PartsCache()
        state.recommendation_parts = found
    return found
