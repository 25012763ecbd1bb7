"""AfterShip Tracking over HTTP: list up to 50 numbers in one GET, create the ones it does not hold.

Credentials: `api_key` (sent as `as-api-key`).
Options: `carrier` (AfterShip courier slug, e.g. "usps") and `carriers` ({tracking number: slug}) for
per-number hints. Without either, the tracking is created without a slug and AfterShip detects the
courier; when it cannot, its refusal (meta.code 4012) becomes a soft `not_found`.
A create answered "already exists" (meta.code 4003) counts as success: the number is read again.
Limits are per endpoint since API 2024-07: GET /trackings 6/s, POST /trackings 20/s.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any, ClassVar

import httpx

from carriers.aftership.parse import parse
from carriers.base import CarrierAdapter, retry_after_seconds, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.ratelimit import shared_buckets
from carriers.result import ErrorKind, TrackResult

ALREADY_EXISTS = 4003
LIMITS: dict[str, tuple[int, float]] = {"track": (6, 1.0), "create": (20, 1.0)}
NOT_YET = "AfterShip holds this tracking but returned no data for it yet"


class Adapter(CarrierAdapter):
    code: ClassVar[str] = "aftership"
    name: ClassVar[str] = "AfterShip"
    # GET /trackings accepts at most 50 comma-separated tracking_numbers.
    max_batch: ClassVar[int] = 50
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://api.aftership.com/tracking/2025-01"
    rate_limit: ClassVar[tuple[int, float] | None] = LIMITS["track"]

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        found = await self._list(numbers)
        missing = self._missing(numbers, found)
        outcomes = await asyncio.gather(*(self._create(number) for number in missing))
        created = [result for result in outcomes if result is not None]
        existing = [number for number, result in zip(missing, outcomes, strict=True) if result is None]
        reread = await self._list(existing) if existing else []
        unread = self._missing(existing, reread)
        return found + created + reread + [TrackResult.failed(n, ErrorKind.NOT_FOUND, NOT_YET) for n in unread]

    async def check(self) -> str:
        response = await self._call("track", "GET", "/trackings", params={"limit": "1"})
        return f"AfterShip accepted the API key (HTTP {response.status_code})."

    async def _list(self, numbers: list[str]) -> list[TrackResult]:
        params = {"tracking_numbers": ",".join(numbers), "limit": "200"}
        response = await self._call("track", "GET", "/trackings", params=params)
        if response.status_code >= 400:
            # Nothing listed: each number is then created, which also reads it.
            return []
        return self.parse_or_fail(parse, response.content, numbers)

    async def _create(self, number: str) -> TrackResult | None:
        """The new tracking's result; None when AfterShip already holds it."""
        payload = {"tracking_number": number}
        slug = self.slug_for(number)
        if slug:
            payload["slug"] = slug
        response = await self._call("create", "POST", "/trackings", json=payload)
        if meta_code(response) == ALREADY_EXISTS:
            return None
        if response.status_code >= 400:
            return TrackResult.failed(number, ErrorKind.NOT_FOUND, error_message(response))
        results = self.parse_or_fail(parse, response.content, [number])
        return results[0] if results else None

    @staticmethod
    def _missing(numbers: list[str], results: list[TrackResult]) -> list[str]:
        seen = {result.tracking_number.upper() for result in results}
        return [number for number in numbers if number.upper() not in seen]

    def slug_for(self, number: str) -> str:
        hints: dict[str, str] = self.account.options.get("carriers") or {}
        return str(hints.get(number) or self.account.options.get("carrier") or "")

    def _bucket(self, name: str) -> str:
        # `account.key` keeps only 6 characters of the key; a digest separates accounts without storing it.
        digest = hashlib.sha256(self.account.credentials.get("api_key", "").encode()).hexdigest()[:16]
        return f"aftership:{self.base_url}:{digest}:{name}"

    async def throttle(self, name: str = "track") -> None:
        await shared_buckets.get(self._bucket(name), *LIMITS.get(name, LIMITS["track"])).acquire()

    def pause(self, seconds: float, name: str = "track") -> None:
        shared_buckets.get(self._bucket(name), *LIMITS.get(name, LIMITS["track"])).block_for(seconds)

    async def _call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        await self.throttle(name)
        headers = {"as-api-key": self.account.credentials.get("api_key", ""), "Content-Type": "application/json"}
        url = f"{self.base_url}{path}"

        async def request() -> httpx.Response:
            response = await self.client.request(method, url, headers=headers, **kwargs)
            if response.status_code == 429:
                raise CarrierRateLimited("AfterShip answered 429", retry_after=rate_limit_wait(response))
            return response

        try:
            response = await send(request)
        except CarrierRateLimited as exc:
            self.pause(exc.retry_after or 1.0, name)
            raise
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"AfterShip refused the API key: {error_message(response)}")
        return response


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds to wait: Retry-After when sent, else until `X-RateLimit-Reset` (a Unix time)."""
    waited = retry_after_seconds(response)
    if waited is not None:
        return waited
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    return max(0.0, float(reset) - time.time()) if reset.isdigit() else None


def meta_code(response: httpx.Response) -> int | None:
    try:
        return int(json.loads(response.content)["meta"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def error_message(response: httpx.Response) -> str:
    """AfterShip's `meta.message` with its code, or the start of whatever else it sent."""
    try:
        meta = json.loads(response.content)["meta"]
        return f"{meta['code']}: {meta.get('message') or meta.get('type') or ''}".strip()
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
