"""DHL Shipment Tracking – Unified adapter: one number per GET, API key header, per-second and daily quotas.

Credentials: `api_key` (the app's consumer key). Options: `daily_quota` (calls per day of the account's
service level; the starter level's 250 when absent).
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from carriers.base import CarrierAdapter, send
from carriers.dhl.parse import parse
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.ratelimit import shared_buckets
from carriers.result import ErrorKind, TrackResult
from carriers.times import seconds_until_utc_midnight
from carriers.ups.oauth_client import carrier_message

PROBE_NUMBER = "0000000000"


class Adapter(CarrierAdapter):
    code = "dhl"
    name = "DHL"
    # carrier-apis.md §4: one tracking number per call.
    max_batch = 1
    max_concurrency = 2
    default_base_url = "https://api-eu.dhl.com"
    # carrier-apis.md §4: the starter level allows 1 call/s and 250 calls/day (reset 00:00 GMT).
    rate_limit = (1, 1.0)
    daily_quota: ClassVar[int] = 250
    backoff_seconds: ClassVar[float] = 60.0

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        number = numbers[0]
        response = await self._get(number)
        results = self.parse_or_fail(parse, response.content, numbers)
        for result in results:
            result.tracking_number = result.tracking_number or number  # problem bodies name no number
        return results

    async def _get(self, number: str) -> httpx.Response:
        api_key = self.account.credentials.get("api_key", "")
        if not api_key:
            raise CarrierAuthError("DHL: credential 'api_key' is missing")
        self._spend_daily_call()
        await self.throttle()
        try:
            response = await send(
                lambda: self.client.get(
                    f"{self.base_url}/track/shipments",
                    params={"trackingNumber": number, "language": "en"},
                    headers={"DHL-API-Key": api_key, "Accept": "application/json"},
                )
            )
        except CarrierRateLimited as exc:
            exc.retry_after = exc.retry_after if exc.retry_after is not None else self.backoff_seconds
            self.pause(exc.retry_after)
            raise
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"DHL refused the API key: {carrier_message(response)}")
        return response

    def _spend_daily_call(self) -> None:
        """Stay inside the daily quota, spread over the day as DHL asks, without waiting hours in a poll."""
        quota = int(self.account.options.get("daily_quota") or self.daily_quota)
        bucket = shared_buckets.get(f"{self.account.key}:daily", quota, 86400.0)
        if not bucket.try_acquire():
            wait = min(seconds_until_utc_midnight(), 86400.0 / quota)
            raise CarrierRateLimited("DHL daily quota spent", retry_after=wait)

    async def check(self) -> str:
        """Ask for a number that cannot exist: a 404 proves the key works, a 401 that it does not."""
        [result] = await self.track_batch([PROBE_NUMBER])
        if result.error not in (None, ErrorKind.NOT_FOUND):
            raise CarrierAuthError(f"DHL answered the test call with: {result.error_message}")
        return "Connected to DHL: the API key was accepted."
