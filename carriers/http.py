"""The one shared outbound HTTP client per worker: the httpx API on aiohttp's fast transport.

Plain `httpx.AsyncClient` costs ~12x the CPU per request of aiohttp on this kind of machine
(see docs/performance.md); `httpx_aiohttp.AiohttpTransport` keeps the httpx API that adapters
and tests (respx, MockTransport) use, while aiohttp does the socket work.
"""

from __future__ import annotations

import httpx
from httpx_aiohttp import AiohttpTransport

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
USER_AGENT = "OrderTrail/0.1 (+order tracking)"


def make_client(
    *,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> httpx.AsyncClient:
    """A client for carrier calls; tests pass their own transport (e.g. `httpx.MockTransport`)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(
        transport=transport or AiohttpTransport(limits=limits, trust_env=False),
        timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
