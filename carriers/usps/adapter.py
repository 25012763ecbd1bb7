"""USPS Tracking API v3 adapter: one number per GET (expand=DETAIL), OAuth client-credentials token per account.

Credentials: `client_id` (consumer key) and `client_secret` (consumer secret) of a USPS developer app.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from carriers.result import TrackResult
from carriers.ups.oauth_client import OAuthAdapter
from carriers.usps.parse import parse


class Adapter(OAuthAdapter):
    code = "usps"
    name = "USPS"
    # carrier-apis.md §3: one number per call, no batch in v3.
    max_batch = 1
    max_concurrency = 4
    default_base_url = "https://apis.usps.com"
    # carrier-apis.md §3 and reliability-security.md §1b: the default quota is 60 calls per hour per API.
    rate_limit = (60, 3600.0)
    token_path: ClassVar[str] = "/oauth2/v3/token"

    def token_request(self) -> dict[str, Any]:
        return {
            "json": {
                "client_id": self.credential("client_id"),
                "client_secret": self.credential("client_secret"),
                "grant_type": "client_credentials",
            }
        }

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        number = numbers[0]
        await self.throttle()
        response = await self.authorized(lambda token: self._detail(number, token))
        return self.parse_or_fail(parse, response.content, numbers)

    async def _detail(self, number: str, token: str) -> httpx.Response:
        return await self.client.get(
            f"{self.base_url}/tracking/v3/tracking/{number}",
            params={"expand": "DETAIL"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def check(self) -> str:
        return await self.check_token()
