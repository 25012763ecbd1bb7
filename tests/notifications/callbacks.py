"""A tiny receiver for status callbacks: records each POST's URL, form and X-Twilio-Signature."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import PlainTextResponse


@dataclass
class Receiver:
    calls: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> PlainTextResponse:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.calls.append((str(request.url), form, request.headers.get("x-twilio-signature", "")))
        return PlainTextResponse("")
