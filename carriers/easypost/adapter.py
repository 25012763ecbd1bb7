"""EasyPost Trackers over HTTP: read existing trackers in one batch call, then create the missing ones.

Credentials: `api_key` (a test or production key; HTTP Basic user name, empty password).
Options: `carrier` (EasyPost carrier name, e.g. "USPS", sent when a tracker is created) and
`carriers` ({tracking number: carrier name}) for per-number hints. Without either, the tracker is
created without a carrier and EasyPost detects it from the tracking code.
Creating a tracker that already exists returns the existing one (EasyPost merges duplicates), so a
repeated create never fails a poll.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import httpx

from carriers.base import CarrierAdapter, send
from carriers.easypost.parse import parse
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.result import ErrorKind, TrackResult


class Adapter(CarrierAdapter):
    code: ClassVar[str] = "easypost"
    name: ClassVar[str] = "EasyPost"
    # The batch read takes a list of codes; 100 matches EasyPost's largest list page.
    max_batch: ClassVar[int] = 100
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://api.easypost.com/v2"
    # EasyPost publishes no fixed per-second limit; 429s are honoured through `pause`.
    rate_limit: ClassVar[tuple[int, float] | None] = None

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        found = await self._read_existing(numbers)
        seen = {result.tracking_number.upper() for result in found}
        missing = [number for number in numbers if number.upper() not in seen]
        created = await asyncio.gather(*(self._create(number) for number in missing))
        return found + [result for chunk in created for result in chunk]

    async def check(self) -> str:
        response = await self._call("GET", "/trackers", params={"page_size": "1"})
        return f"EasyPost accepted the API key (HTTP {response.status_code})."

    async def _read_existing(self, numbers: list[str]) -> list[TrackResult]:
        response = await self._call("POST", "/trackers/batch", json={"tracking_codes": numbers})
        if response.status_code >= 400:
            # A refused batch read (404: none registered yet) is not fatal: creating a tracker also reads it.
            return []
        return self.parse_or_fail(parse, response.content, numbers)

    async def _create(self, number: str) -> list[TrackResult]:
        tracker: dict[str, str] = {"tracking_code": number}
        carrier = self.carrier_for(number)
        if carrier:
            tracker["carrier"] = carrier
        response = await self._call("POST", "/trackers", json={"tracker": tracker})
        if response.status_code >= 400:
            return [TrackResult.failed(number, ErrorKind.NOT_FOUND, error_message(response))]
        return self.parse_or_fail(parse, response.content, [number])

    def carrier_for(self, number: str) -> str:
        hints: dict[str, str] = self.account.options.get("carriers") or {}
        return str(hints.get(number) or self.account.options.get("carrier") or "")

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        await self.throttle()
        auth = httpx.BasicAuth(self.account.credentials.get("api_key", ""), "")
        url = f"{self.base_url}{path}"
        try:
            response = await send(lambda: self.client.request(method, url, auth=auth, **kwargs))
        except CarrierRateLimited as exc:
            self.pause(exc.retry_after or 1.0)
            raise
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"EasyPost refused the API key: {error_message(response)}")
        return response


def error_message(response: httpx.Response) -> str:
    """EasyPost's `error.message` (with field errors), or the start of whatever else it sent."""
    try:
        error = json.loads(response.content)["error"]
        fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in error.get("errors") or [])
        return f"{error.get('code')}: {error.get('message')}" + (f" ({fields})" if fields else "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
