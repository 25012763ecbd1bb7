"""Rendered tracking pages kept in memory, keyed by (shipment, version, language); the CSP nonce is a placeholder
substituted per response, and entries expire so time-dependent wording ("running late") stays right."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CachedPage:
    html: str
    order_id: int
    product_ids: tuple[int, ...]  # recommendations shown: an impression each time the page is served
    born: float = field(default_factory=time.monotonic)


class PageCache:
    def __init__(self, *, max_entries: int = 5000, ttl: float = 60.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._entries: OrderedDict[tuple[Any, ...], CachedPage] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> CachedPage | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.born > self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: CachedPage) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def cache_for(state: Any) -> PageCache:
    found = getattr(state, "page_cache", None)
    if found is None:
        found = PageCache()
        state.page_cache = found
    return found
