"""HTTP adapter for the sandbox carrier (credentials: `api_key`; base URL where the sandbox API is served)."""

from __future__ import annotations

import json

from carriers.base import CarrierAdapter, send
from carriers.errors import CarrierAuthError
from carriers.result import TrackResult
from carriers.sandbox.parse import parse
from carriers.sandbox.server import MAX_BATCH


class Adapter(CarrierAdapter):
    code = "sandbox"
    name = "OrderTrail Sandbox"
    max_batch = MAX_BATCH
    max_concurrency = 16
    default_base_url = "http://127.0.0.1:8000/sandbox-carrier"

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        await self.throttle()
        body = json.dumps({"tracking_numbers": numbers}).encode()
        headers = {"Authorization": f"Bearer {self.account.credentials.get('api_key', '')}"}
        headers["Content-Type"] = "application/json"
        response = await send(lambda: self.client.post(f"{self.base_url}/v1/track", content=body, headers=headers))
        if response.status_code == 401:
            raise CarrierAuthError("the sandbox carrier refused the API key")
        return self.parse_or_fail(parse, response.content, numbers)

    async def check(self) -> str:
        await self.track_batch(["SBNF00000000000"])
        return "Connected to the sandbox carrier; the API key was accepted."
