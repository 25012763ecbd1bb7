"""Canada Post VIS tracking adapter: one PIN per GET of its `tracking-detail`, HTTP Basic authentication.

Credentials: `username` and `password` (the API key pair from the Canada Post developer program).
Options: `language` ("en-CA" by default, or "fr-CA").
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

import httpx

from carriers.base import SingleNumberAdapter, send
from carriers.canadapost.parse import parse, read_messages
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.result import ErrorKind, TrackResult

ACCEPT = "application/vnd.cpc.track-v2+xml"
AUTH_CODES = frozenset({"E002"})
PROBE_PIN = "0000000000000000"


class Adapter(SingleNumberAdapter):
    code: ClassVar[str] = "canadapost"
    name: ClassVar[str] = "Canada Post"
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://soa-gw.canadapost.ca/vis/track"

    async def check(self) -> str:
        response = await self._get(PROBE_PIN)
        self._refuse_auth(response)
        return "Canada Post accepted the API username and password (a test lookup was answered)."

    async def track_one(self, pin: str) -> list[TrackResult]:
        response = await self._get(pin)
        self._refuse_auth(response)
        messages = read_messages(response.content)
        if messages:
            text = "; ".join(f"{code} {description}".strip() for code, description in messages)
            return [TrackResult.failed(pin, ErrorKind.NOT_FOUND, text)]
        if response.status_code == 404:
            return [TrackResult.failed(pin, ErrorKind.NOT_FOUND, "Canada Post has no history for this PIN")]
        results = self.parse_or_fail(parse, response.content, [pin])
        if len(results) == 1:
            results[0].tracking_number = pin
        return results

    async def _get(self, pin: str) -> httpx.Response:
        credentials = self.account.credentials
        auth = httpx.BasicAuth(credentials.get("username", ""), credentials.get("password", ""))
        headers = {"Accept": ACCEPT, "Accept-language": str(self.account.options.get("language", "en-CA"))}
        url = f"{self.base_url}/pin/{quote(pin, safe='')}/detail"
        await self.throttle()
        try:
            return await send(lambda: self.client.get(url, headers=headers, auth=auth))
        except CarrierRateLimited as exc:
            if exc.retry_after is not None:
                self.pause(exc.retry_after)
            raise

    @staticmethod
    def _refuse_auth(response: httpx.Response) -> None:
        messages = read_messages(response.content)
        refused = [f"{code} {text}" for code, text in messages if code in AUTH_CODES]
        if refused or response.status_code in (401, 403):
            detail = "; ".join(refused) or f"HTTP {response.status_code}"
            raise CarrierAuthError(f"Canada Post refused the credentials: {detail}")
