"""Royal Mail Tracking API v2 adapter: one mail piece per GET of its events, IBM gateway client headers.

Credentials: `client_id` and `client_secret` (the X-IBM-Client-Id / X-IBM-Client-Secret pair of the
merchant's Royal Mail developer application). Every call also accepts Royal Mail's terms by header;
without it the gateway answers 400 E0004.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

import httpx

from carriers.base import SingleNumberAdapter, send
from carriers.errors import CarrierAuthError, CarrierRateLimited
from carriers.result import ErrorKind, TrackResult
from carriers.royalmail.parse import parse, read_errors

PROBE_ID = "AA000000000GB"


class Adapter(SingleNumberAdapter):
    code: ClassVar[str] = "royalmail"
    name: ClassVar[str] = "Royal Mail"
    max_concurrency: ClassVar[int] = 4
    default_base_url: ClassVar[str] = "https://api.royalmail.net/mailpieces/v2"

    async def check(self) -> str:
        self._refuse(await self._get(PROBE_ID))
        return "Royal Mail accepted the client id and secret (a test lookup was answered)."

    async def track_one(self, number: str) -> list[TrackResult]:
        response = await self._get(number)
        self._refuse(response)
        errors = read_errors(response.content)
        if response.status_code in (400, 404) or (errors and b"mailPieces" not in response.content):
            text = "; ".join(f"{c} {d}".strip() for c, d in errors) or "Royal Mail has no mail piece with this id"
            return [TrackResult.failed(number, ErrorKind.NOT_FOUND, text)]
        results = self.parse_or_fail(parse, response.content, [number])
        if len(results) == 1:
            results[0].tracking_number = number
        return results

    async def _get(self, mail_piece_id: str) -> httpx.Response:
        credentials = self.account.credentials
        headers = {
            "X-IBM-Client-Id": credentials.get("client_id", ""),
            "X-IBM-Client-Secret": credentials.get("client_secret", ""),
            "X-Accept-RMG-Terms": "yes",
            "Accept": "application/json",
        }
        url = f"{self.base_url}/{quote(mail_piece_id, safe='')}/events"
        await self.throttle()
        try:
            return await send(lambda: self.client.get(url, headers=headers))
        except CarrierRateLimited as exc:
            if exc.retry_after is not None:
                self.pause(exc.retry_after)
            raise

    @staticmethod
    def _refuse(response: httpx.Response) -> None:
        """Bad credentials, and gateway request checks (E0xxx such as E0004): no retry can fix those."""
        errors = read_errors(response.content)
        gateway = [f"{c} {d}" for c, d in errors if c.upper().startswith("E0")]
        if gateway or response.status_code in (401, 403):
            detail = "; ".join(gateway or [f"{c} {d}" for c, d in errors]) or f"HTTP {response.status_code}"
            raise CarrierAuthError(f"Royal Mail refused the request: {detail}")
