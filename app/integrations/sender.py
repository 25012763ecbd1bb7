"""Posting one signed webhook to a checked, pinned address and reporting what happened (never raising)."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from types import TracebackType

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from app.integrations.ssrf import PinnedResolver, Target
from carriers.http import USER_AGENT

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class SendOutcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """An httpx client whose aiohttp connector can only reach pinned addresses; the URL's host keeps Host and SNI.

    Use as `async with WebhookSender() as sender:` around one delivery tick.
    """

    def __init__(self, *, verify: ssl.SSLContext | bool = True) -> None:
        self._resolver = PinnedResolver()
        self._verify = verify
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> WebhookSender:
        context = ssl.create_default_context() if self._verify is True else self._verify
        connector = aiohttp.TCPConnector(resolver=self._resolver, use_dns_cache=False, ssl=context or False)
        session = aiohttp.ClientSession(connector=connector, trust_env=False)
        self._client = httpx.AsyncClient(
            transport=AiohttpTransport(client=session),
            timeout=TIMEOUT,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def post(self, target: Target, body: bytes, headers: dict[str, str]) -> SendOutcome:
        assert self._client is not None, "use WebhookSender as an async context manager"
        self._resolver.pin(target)
        started = time.perf_counter()
        try:
            async with self._client.stream(
                "POST", target.url, content=body, headers={"Content-Type": "application/json", **headers}
            ) as response:
                status = response.status_code
        except httpx.TimeoutException:
            return SendOutcome(None, "timed out", _ms(started))
        except (httpx.HTTPError, aiohttp.ClientError, OSError) as exc:
            return SendOutcome(None, f"connection failed: {type(exc).__name__} {exc}"[:300], _ms(started))
        error = "" if 200 <= status < 300 else _status_error(status)
        return SendOutcome(status, error, _ms(started))


def _status_error(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed"
    return f"HTTP {status}"


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
