"""17TRACK API v2.2 over HTTP: read up to 40 numbers per call, register the ones 17TRACK does not hold.

Credentials: `api_key` (sent as the `17token` header; it also signs the pushes).
Options: `carrier` (17TRACK's numeric carrier key, e.g. 100002 for UPS) and `carriers`
({tracking number: key}) for per-number hints. Without either, 17TRACK detects the carrier when the
number is registered; when it cannot (-18019903) the number gets a soft `not_found`.
A register answered "already registered" (-18019901) counts as success. Limits: 3 requests/s and
40 numbers per request. An exhausted daily limit pauses the account until 00:00 UTC.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from carriers.base import CarrierAdapter, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.ratelimit import shared_buckets
from carriers.result import TrackResult
from carriers.track17.parse import parse, rejections

NOT_REGISTERED = -18019902
ALREADY_REGISTERED = -18019901
AUTH_CODES = frozenset({-18010001, -18010002, -18010004, -18010005})
DAILY_LIMIT = -18019907
QUOTA_EXHAUSTED = -18019908
QUOTA_PAUSE_SECONDS = 3600.0


class Adapter(CarrierAdapter):
    code: ClassVar[str] = "track17"
    name: ClassVar[str] = "17TRACK"
    max_batch: ClassVar[int] = 40
    max_concurrency: ClassVar[int] = 3
    default_base_url: ClassVar[str] = "https://api.17track.net/track/v2.2"
    rate_limit: ClassVar[tuple[int, float] | None] = (3, 1.0)

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        response = await self._post("/gettrackinfo", numbers)
        results = self.parse_or_fail(parse, response.content, numbers)
        unregistered = {n for n, code in rejections(response.content).items() if code == NOT_REGISTERED}
        if not unregistered:
            return results
        kept = [result for result in results if result.tracking_number not in unregistered]
        registered, refused = await self._register([n for n in numbers if n in unregistered])
        if registered:
            reread = await self._post("/gettrackinfo", registered)
            kept += self.parse_or_fail(parse, reread.content, registered)
        return kept + refused

    async def check(self) -> str:
        await self._post("/gettrackinfo", ["ORDERTRAILCHECK"])
        return "17TRACK accepted the API key."

    async def _register(self, numbers: list[str]) -> tuple[list[str], list[TrackResult]]:
        """(numbers 17TRACK now holds, new or already registered; results for those it refused)."""
        response = await self._post("/register", numbers)
        codes = rejections(response.content)
        for quota in (DAILY_LIMIT, QUOTA_EXHAUSTED):
            if quota in codes.values():
                raise self._quota_error(quota)
        bad = {number for number, code in codes.items() if code != ALREADY_REGISTERED}
        refused = [r for r in self.parse_or_fail(parse, response.content, numbers) if r.tracking_number in bad]
        return [number for number in numbers if number not in bad], refused

    def items(self, numbers: list[str]) -> list[dict[str, Any]]:
        hints: dict[str, Any] = self.account.options.get("carriers") or {}
        default = self.account.options.get("carrier")
        out: list[dict[str, Any]] = []
        for number in numbers:
            carrier = hints.get(number, default)
            out.append({"number": number, "carrier": int(carrier)} if carrier else {"number": number})
        return out

    def _bucket(self) -> str:
        # `account.key` keeps only 6 characters of the key; a digest separates accounts without storing it.
        digest = hashlib.sha256(self.account.credentials.get("api_key", "").encode()).hexdigest()[:16]
        return f"track17:{self.base_url}:{digest}"

    async def throttle(self, name: str = "track") -> None:
        # 17TRACK's 3 requests/s cover every endpoint together, so one bucket serves them all.
        await shared_buckets.get(self._bucket(), 3, 1.0).acquire()

    def pause(self, seconds: float, name: str = "track") -> None:
        shared_buckets.get(self._bucket(), 3, 1.0).block_for(seconds)

    async def _post(self, path: str, numbers: list[str]) -> httpx.Response:
        await self.throttle()
        headers = {"17token": self.account.credentials.get("api_key", ""), "Content-Type": "application/json"}
        url = f"{self.base_url}{path}"
        try:
            response = await send(lambda: self.client.post(url, headers=headers, json=self.items(numbers)))
        except CarrierRateLimited as exc:
            self.pause(exc.retry_after or 1.0)
            raise
        code, message = call_error(response)
        if response.status_code in (401, 403) or code in AUTH_CODES:
            raise CarrierAuthError(f"17TRACK refused the API key: {message}")
        if code in (DAILY_LIMIT, QUOTA_EXHAUSTED):
            raise self._quota_error(code)
        return response

    def _quota_error(self, code: int) -> CarrierRateLimited:
        now = datetime.now(UTC)
        if code == DAILY_LIMIT:
            # The daily allowance is taken to renew at 00:00 UTC.
            midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
            wait = (midnight - now).total_seconds()
        else:
            wait = QUOTA_PAUSE_SECONDS
        self.pause(wait)
        return CarrierRateLimited(f"17TRACK quota exhausted ({code})", retry_after=wait)


def call_error(response: httpx.Response) -> tuple[int, str]:
    """The whole-call error code and message (0 when the call as a whole succeeded)."""
    try:
        doc = json.loads(response.content)
        data = doc.get("data")
        errors = (data.get("errors") or []) if isinstance(data, dict) else []
        first = errors[0] if errors else {}
        code = int(first.get("code") or doc.get("code") or 0)
        return code, str(first.get("message") or doc.get("message") or f"code {code}")
    except (ValueError, TypeError, AttributeError):
        return 0, f"HTTP {response.status_code}: {response.text[:200]}"
