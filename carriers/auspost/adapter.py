"""Australia Post Shipping & Tracking adapter: up to 10 ids per GET, per-id errors inside a 200 reply.

Credentials: `account_number`, `api_key` and `password` (the API key pair of the merchant's
Australia Post business account; sent as HTTP Basic with the Account-Number header).
"""

from __future__ import annotations

import json
from typing import ClassVar
from urllib.parse import quote

import httpx

from carriers.auspost.parse import error_text, parse
from carriers.base import CarrierAdapter, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.result import TrackResult

PROBE_ID = "7XX1000"


class Adapter(CarrierAdapter):
    code: ClassVar[str] = "auspost"
    name: ClassVar[str] = "Australia Post"
    # An 11th id makes the whole call fail with 51101 TOO_MANY_AP_TRACKING_IDS.
    max_batch: ClassVar[int] = 10
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://digitalapi.auspost.com.au/shipping/v1"

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        response = await self._get(numbers)
        return self.parse_or_fail(parse, response.content, numbers)

    async def check(self) -> str:
        await self._get([PROBE_ID])
        return "Australia Post accepted the account number and API key (a test lookup was answered)."

    async def _get(self, numbers: list[str]) -> httpx.Response:
        # Commas are the documented separator; the ids themselves are escaped, the commas kept literal.
        url = f"{self.base_url}/track?tracking_ids=" + ",".join(quote(n, safe="") for n in numbers)
        credentials = self.account.credentials
        auth = httpx.BasicAuth(credentials.get("api_key", ""), credentials.get("password", ""))
        headers = {"Account-Number": credentials.get("account_number", ""), "Accept": "application/json"}
        await self.throttle()
        try:
            response = await send(lambda: self.client.get(url, headers=headers, auth=auth))
        except CarrierRateLimited as exc:
            if exc.retry_after is not None:
                self.pause(exc.retry_after)
            raise
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"Australia Post refused the credentials: {_errors(response)}")
        return response


def _errors(response: httpx.Response) -> str:
    try:
        errors = json.loads(response.content).get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    return error_text(errors) if errors else f"HTTP {response.status_code}"
