"""Shippo Tracks over HTTP: read a number with GET; register it with POST when Shippo does not know it.

Credentials: `api_key` (`shippo_test_…` or `shippo_live_…`, sent as `Authorization: ShippoToken …`).
Options: `carrier` (Shippo carrier token, e.g. "usps") and `carriers` ({tracking number: token}) for
per-number hints. Shippo cannot detect a carrier, so a number with neither gets a soft `not_found`
naming the missing option and no call is made.
A GET that Shippo answers 404 means the number is not registered: POST /tracks/ registers it and
returns the Track (201 with a null status while the carrier has nothing). Registering a number twice
returns the Track again, so a repeated registration never fails a poll.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from carriers.base import CarrierAdapter, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.ratelimit import shared_buckets
from carriers.result import ErrorKind, TrackResult
from carriers.shippo.parse import parse

# Published per-minute limits: (live, test) calls per 60 s for each endpoint family.
LIMITS: dict[str, tuple[int, int]] = {"track": (500, 50), "register": (750, 50), "check": (500, 50)}


class Adapter(CarrierAdapter):
    code: ClassVar[str] = "shippo"
    name: ClassVar[str] = "Shippo"
    max_batch: ClassVar[int] = 1
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://api.goshippo.com"
    rate_limit: ClassVar[tuple[int, float] | None] = (500, 60.0)

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        return [await self._track_one(number) for number in numbers]

    async def check(self) -> str:
        response = await self._call("check", "GET", "/carrier_accounts/", params={"results": "1"})
        mode = "test" if self._is_test else "live"
        return f"Shippo accepted the {mode} API token (HTTP {response.status_code})."

    async def _track_one(self, number: str) -> TrackResult:
        carrier = self.carrier_for(number)
        if not carrier:
            message = "no Shippo carrier token for this number: set the account's `carrier` option"
            return TrackResult.failed(number, ErrorKind.NOT_FOUND, message)
        path = f"/tracks/{quote(carrier, safe='')}/{quote(number, safe='')}"
        response = await self._call("track", "GET", path)
        if response.status_code == 404:
            payload = {"carrier": carrier, "tracking_number": number}
            response = await self._call("register", "POST", "/tracks/", json=payload)
        if response.status_code >= 400:
            return TrackResult.failed(number, ErrorKind.NOT_FOUND, error_message(response))
        results = self.parse_or_fail(parse, response.content, [number])
        return results[0] if results else TrackResult.failed(number, ErrorKind.BAD_RESPONSE, "no Track in reply")

    def carrier_for(self, number: str) -> str:
        hints: dict[str, str] = self.account.options.get("carriers") or {}
        return str(hints.get(number) or self.account.options.get("carrier") or "")

    @property
    def _is_test(self) -> bool:
        return self.account.credentials.get("api_key", "").startswith("shippo_test_")

    def _limit(self, name: str) -> tuple[int, float]:
        live, test = LIMITS.get(name, LIMITS["track"])
        return (test if self._is_test else live), 60.0

    def _bucket(self, name: str) -> str:
        # Every Shippo token starts "shippo_…", so `account.key` (a 6-character prefix) would put all
        # accounts in one bucket; a digest of the token tells them apart without storing it.
        digest = hashlib.sha256(self.account.credentials.get("api_key", "").encode()).hexdigest()[:16]
        return f"shippo:{self.base_url}:{digest}:{name}"

    async def throttle(self, name: str = "track") -> None:
        await shared_buckets.get(self._bucket(name), *self._limit(name)).acquire()

    def pause(self, seconds: float, name: str = "track") -> None:
        shared_buckets.get(self._bucket(name), *self._limit(name)).block_for(seconds)

    async def _call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        await self.throttle(name)
        headers = {"Authorization": f"ShippoToken {self.account.credentials.get('api_key', '')}"}
        url = f"{self.base_url}{path}"
        try:
            response = await send(lambda: self.client.request(method, url, headers=headers, **kwargs))
        except CarrierRateLimited as exc:
            self.pause(exc.retry_after or 60.0, name)
            raise
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"Shippo refused the API token: {error_message(response)}")
        return response


def error_message(response: httpx.Response) -> str:
    """Shippo's `detail` or per-field messages, or the start of whatever else it sent (e.g. an HTML 404)."""
    try:
        doc = json.loads(response.content)
        if "detail" in doc:
            return str(doc["detail"])
        return "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in doc.items())
    except (ValueError, TypeError, AttributeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
