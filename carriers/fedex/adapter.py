"""FedEx Track API adapter: up to 30 numbers per POST, OAuth client-credentials token shared per account.

Credentials: `client_id` (the project's API key) and `client_secret` (its secret key).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import httpx

from carriers.errors import CarrierRateLimited
from carriers.fedex.parse import parse
from carriers.result import ErrorKind, TrackResult
from carriers.times import seconds_until_utc_midnight
from carriers.ups.oauth_client import OAuthAdapter


class Adapter(OAuthAdapter):
    code = "fedex"
    name = "FedEx"
    # carrier-apis.md §2: "Maximum limit is 30" trackingInfo entries per call.
    max_batch = 30
    max_concurrency = 8
    default_base_url = "https://apis.fedex.com"
    # carrier-apis.md §2: 1,400 transactions per 10 s per project.
    rate_limit = (1400, 10.0)
    token_path: ClassVar[str] = "/oauth/token"

    def token_request(self) -> dict[str, Any]:
        return {
            "data": {
                "grant_type": "client_credentials",
                "client_id": self.credential("client_id"),
                "client_secret": self.credential("client_secret"),
            }
        }

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        await self.throttle()
        response = await self.authorized(lambda token: self._post(numbers, token))
        results = self.parse_or_fail(parse, response.content, numbers)
        if results and all(not r.tracking_number for r in results):
            # a request-level error names no number: it is the answer for the whole batch
            kind = results[0].error or ErrorKind.BAD_RESPONSE
            return [TrackResult.failed(n, kind, results[0].error_message) for n in numbers]
        return results

    async def _post(self, numbers: list[str], token: str) -> httpx.Response:
        response = await self.client.post(
            f"{self.base_url}/track/v1/trackingnumbers",
            json={
                "includeDetailedScans": True,
                "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
            },
            headers={
                "Authorization": f"Bearer {token}",
                "x-locale": "en_US",
                "x-customer-transaction-id": uuid.uuid4().hex,
            },
        )
        if response.status_code == 429 and b"daily" in response.content.lower():
            # carrier-apis.md §2: the daily quota stays exhausted until 00:00 GMT
            raise CarrierRateLimited("FedEx daily quota exhausted", retry_after=seconds_until_utc_midnight())
        return response

    async def check(self) -> str:
        return await self.check_token()
