"""Rendered tracking pages kept in memory, keyed by (shipment, version, language); the CSP nonce is a placeholder
substituted per response, and entries expire so time-dependent wording ("running late") stays right."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CachedPage:
    html: bytes  # UTF-8, encoded once
    order_id: int
    product_ids: tuple[int, ...]  # recommendations shown: an impression each time the page is served
    born: float = field(default_factory=time.monotonic)


class PageCache:
    """A least-recently-used map whose entries expire after `ttl` seconds (values must have a `born` time)."""

    def __init__(self, *, max_entries: int = 5000, ttl: float = 60.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.born > self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: Any) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class SeenTokens:
    """Tokens whose page this process rendered lately (as many as the page cache holds): a token not among them
    cannot find its page in the cache, so its view reads the page's data at once, without the version probe."""

    def __init__(self, *, max_entries: int = 5000) -> None:
        self.max_entries = max_entries
        self._tokens: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, token: str) -> bool:
        return token in self._tokens

    def add(self, token: str) -> None:
        if self.max_entries <= 0:
            return
        self._tokens[token] = None
        self._tokens.move_to_end(token)
        while len(self._tokens) > self.max_entries:
            self._tokens.popitem(last=False)


def cache_for(state: Any) -> PageCache:
    found = getattr(state, "page_cache", None)
    if found is None:
        found = PageCache()
        state.page_cache = found
    return found


def seen_for(state: Any) -> SeenTokens:
    """The tokens rendered lately, sized like the app's page cache."""
    found = getattr(state, "page_tokens", None)
    if found is None:
        found = SeenTokens(max_entries=cache_for(state).max_entries)
        state.page_tokens = found
    return found


class VersionMemo:
    """A token's page version remembered for a blink (`ttl`, 50 ms): a burst of views of one page (a shared link,
    a reload storm) costs one query, while a page viewed again after any real pause is always re-checked."""

    def __init__(self, *, ttl: float = 0.05, max_entries: int = 20_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Any]] = {}
        self._loading: dict[str, asyncio.Future[Any]] = {}

    async def load(self, token: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """The remembered version, else one fetch shared by every request for this token that arrives meanwhile."""
        found = self.get(token)
        if found is not None:
            return found
        pending = self._loading.get(token)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[token] = future
        try:
            version = await fetch()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            self._loading.pop(token, None)
        if version is not None:
            self.put(token, version)
        future.set_result(version)
        return version

    def get(self, token: str) -> Any | None:
        found = self._entries.get(token)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, token: str, version: Any) -> None:
        if len(self._entries) >= self.max_entries:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if now - v[0] <= self.ttl}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[token] = (time.monotonic(), version)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)


def memo_for(state: Any) -> VersionMemo:
    found = getattr(state, "page_versions", None)
    if found is None:
        found = VersionMemo()
        state.page_versions = found
    return found
