"""UPS Track API v1 adapter: one inquiry number per GET, OAuth client-credentials token shared per account.

Credentials: `client_id`, `client_secret`; optional `merchant_id` (the UPS account number, sent as
x-merchant-id when asking for a token).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import httpx

from carriers.result import TrackResult
from carriers.ups.oauth_client import OAuthAdapter
from carriers.ups.parse import parse

TRANSACTION_SOURCE = "ordertrail"
QUERY = {"locale": "en_US", "returnSignature": "false", "returnMilestones": "false", "returnPOD": "false"}


class Adapter(OAuthAdapter):
    code = "ups"
    name = "UPS"
    # carrier-apis.md §1: no batch, each call takes one inquiry number.
    max_batch = 1
    max_concurrency = 4
    default_base_url = "https://onlinetools.ups.com"
    # carrier-apis.md §1: UPS publishes no rate limit, and its 429 carries no Retry-After.
    rate_limit = None
    token_path: ClassVar[str] = "/security/v1/oauth/token"

    def token_request(self) -> dict[str, Any]:
        merchant = self.account.credentials.get("merchant_id", "")
        headers = {"x-merchant-id": merchant} if merchant else {}
        return {
            "auth": (self.credential("client_id"), self.credential("client_secret")),
            "data": {"grant_type": "client_credentials"},
            "headers": headers,
        }

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        number = numbers[0]
        await self.throttle()
        response = await self.authorized(lambda token: self._details(number, token))
        return self.parse_or_fail(parse, response.content, numbers)

    async def _details(self, number: str, token: str) -> httpx.Response:
        return await self.client.get(
            f"{self.base_url}/api/track/v1/details/{number}",
            params=QUERY,
            headers={
                "Authorization": f"Bearer {token}",
                "transId": uuid.uuid4().hex,
                "transactionSrc": TRANSACTION_SOURCE,
                "Accept": "application/json",
            },
        )

    async def check(self) -> str:
        return await self.check_token()
