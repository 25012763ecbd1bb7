"""Fixed-window rate limits: shared through Redis when `redis_url` is set, in this process's memory otherwise."""

from __future__ import annotations

import time
from typing import Any, Protocol


class Limiter(Protocol):
    async def hit(self, key: str, *, limit: int, window: int) -> bool:
        """Count one attempt for `key`; False once more than `limit` happened in the current `window` seconds."""
        ...


class MemoryLimiter:
    """Per-process counters; old windows are swept when the table grows."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # key → (window number, count)
        self._max_keys = max_keys

    async def hit(self, key: str, *, limit: int, window: int) -> bool:
        current = int(time.time() // window)
        seen_window, count = self._counts.get(key, (current, 0))
        count = count + 1 if seen_window == current else 1
        if len(self._counts) >= self._max_keys:
            self._sweep(window)
        self._counts[key] = (current, count)
        return count <= limit

    def _sweep(self, window: int) -> None:
        current = int(time.time() // window)
        self._counts = {k: v for k, v in self._counts.items() if v[0] == current}


class RedisLimiter:
    """Counters shared by every web process: INCR plus EXPIRE on a key per window."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url)

    async def hit(self, key: str, *, limit: int, window: int) -> bool:
        name = f"ordertrail:rl:{key}:{int(time.time() // window)}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = await pipe.execute()
        return int(count) <= limit

    async def close(self) -> None:
        await self._redis.aclose()


def limiter_for(state: Any, settings: Any) -> Limiter:
    """The limiter kept on `state` (the app's state), made on first use: Redis when configured, else memory."""
    found = getattr(state, "rate_limiter", None)
    if found is None:
        url = getattr(settings, "redis_url", "") or ""
        found = RedisLimiter(url) if url else MemoryLimiter()
        state.rate_limiter = found
    return found
