"""La Poste / Colissimo Suivi v2 adapter: one idShip per GET, authenticated by the Okapi API key.

Credentials: `api_key` (the X-Okapi-Key of the merchant's developer.laposte.fr application).
Options: `lang` (default "en_GB"; "fr_FR" gives the French wording).
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

import httpx

from carriers.base import SingleNumberAdapter, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.laposte.parse import error_message, parse, quota_message
from carriers.result import ErrorKind, TrackResult

# The Okapi gateway counts its free quota per minute; after a 429 nothing is worth sending before then.
QUOTA_WINDOW_SECONDS = 60.0
PROBE_NUMBER = "XX000000000FR"


class Adapter(SingleNumberAdapter):
    code: ClassVar[str] = "laposte"
    name: ClassVar[str] = "La Poste / Colissimo"
    # The comma-joined form exists but its per-call maximum and per-number errors are undocumented.
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://api.laposte.fr/suivi/v2"
    rate_limit: ClassVar[tuple[int, float] | None] = (100, 60.0)

    async def check(self) -> str:
        response = await self._get(PROBE_NUMBER)
        self._refuse_auth(response)
        return "La Poste accepted the API key (Suivi v2 answered a test lookup)."

    async def track_one(self, number: str) -> list[TrackResult]:
        response = await self._get(number)
        self._refuse_auth(response)
        if response.status_code == 404 and not error_message(response.content):
            return [TrackResult.failed(number, ErrorKind.NOT_FOUND, "La Poste has no shipment with this number")]
        results = self.parse_or_fail(parse, response.content, [number])
        if len(results) == 1:
            results[0].tracking_number = number
        return results

    async def _get(self, number: str) -> httpx.Response:
        url = f"{self.base_url}/idships/{quote(number, safe='')}"
        params = {"lang": str(self.account.options.get("lang", "en_GB"))}
        replies: list[httpx.Response] = []

        async def call() -> httpx.Response:
            replies.append(await self.client.get(url, params=params, headers=self._headers()))
            return replies[-1]

        await self.throttle()
        try:
            return await send(call)
        except CarrierRateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else QUOTA_WINDOW_SECONDS
            self.pause(wait)
            detail = quota_message(replies[-1].content) if replies else ""
            raise CarrierRateLimited(f"La Poste quota reached: {detail or 'HTTP 429'}", retry_after=wait) from exc

    def _headers(self) -> dict[str, str]:
        return {"X-Okapi-Key": self.account.credentials.get("api_key", ""), "Accept": "application/json"}

    @staticmethod
    def _refuse_auth(response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            message = error_message(response.content) or f"HTTP {response.status_code}"
            raise CarrierAuthError(f"La Poste refused the API key: {message}")
