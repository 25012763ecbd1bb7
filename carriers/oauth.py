"""OAuth2 client-credentials tokens cached per credential set and refreshed shortly before they expire."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

REFRESH_MARGIN_SECONDS = 120.0


@dataclass(slots=True)
class Token:
    value: str
    expires_at: float


TokenFetcher = Callable[[], Awaitable[tuple[str, float]]]


class TokenCache:
    """Holds one token per credential key; concurrent callers share a single fetch.

    `fetch` returns (access_token, lifetime_seconds). A token is reused until
    `REFRESH_MARGIN_SECONDS` before it expires; `invalidate` drops it after a 401.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._clock = clock
        self.fetches = 0

    async def get(self, key: str, fetch: TokenFetcher) -> str:
        token = self._tokens.get(key)
        if token and token.expires_at - REFRESH_MARGIN_SECONDS > self._clock():
            return token.value
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self._tokens.get(key)
            if token and token.expires_at - REFRESH_MARGIN_SECONDS > self._clock():
                return token.value
            value, lifetime = await fetch()
            self.fetches += 1
            self._tokens[key] = Token(value, self._clock() + float(lifetime))
            return value

    def invalidate(self, key: str, value: str | None = None) -> None:
        """Forget the token (only if it is still `value`, so a fresh one fetched meanwhile survives)."""
        token = self._tokens.get(key)
        if token and (value is None or token.value == value):
            del self._tokens[key]


shared_tokens = TokenCache()
