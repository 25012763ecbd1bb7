"""Token buckets per carrier account, so polling stays inside each carrier's published limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """`capacity` calls per `period` seconds, refilled continuously; `acquire` waits for a token."""

    def __init__(
        self,
        capacity: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        if capacity <= 0 or period <= 0:
            raise ValueError("capacity and period must be positive")
        self.capacity = float(capacity)
        self.rate = capacity / period
        self._tokens = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = asyncio.Lock()
        self._queued = 0  # callers waiting in `acquire`
        self.blocked_until = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def try_acquire(self) -> bool:
        self._refill()
        if self._clock() < self.blocked_until or self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def acquire(self) -> None:
        self._queued += 1
        try:
            async with self._lock:
                while not self.try_acquire():
                    self._refill()
                    wait = max(self.blocked_until - self._clock(), (1 - self._tokens) / self.rate, 0.001)
                    await self._sleep(wait)  # type: ignore[misc]
        finally:
            self._queued -= 1

    def expected_wait(self) -> float:
        """Seconds a caller arriving now would wait for its token: the pause, or its turn behind those queued."""
        self._refill()
        behind = (self._queued + 1 - self._tokens) / self.rate
        return max(self.blocked_for(), behind, 0.0)

    def blocked_for(self) -> float:
        """Seconds left in the current pause (0 when none)."""
        return max(0.0, self.blocked_until - self._clock())

    def block_for(self, seconds: float) -> None:
        """Honour a Retry-After or an exhausted quota: hand out nothing until then."""
        self.blocked_until = max(self.blocked_until, self._clock() + seconds)


class BucketRegistry:
    """One bucket per (account key, name), created on first use."""

    def __init__(self) -> None:
        self._buckets: dict[str, TokenBucket] = {}

    def get(self, key: str, capacity: int, period: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(capacity, period)
        return bucket


shared_buckets = BucketRegistry()
