"""The one shared outbound HTTP client per worker: the httpx API for adapters and tests, aiohttp doing the sockets.

Plain `httpx.AsyncClient` costs ~12x the CPU per request of aiohttp on this kind of machine (see bench/README.md).
Two layers keep the httpx API cheap: `CarrierTransport` hands each request to aiohttp and reads the reply whole
(carrier replies are small JSON or XML), and `CarrierClient.send` skips the cookie jar (carrier cookies must never
travel between shops' accounts), redirect and auth machinery when a call uses none of them. Tests pass their own
transport (e.g. `httpx.MockTransport`) and keep the same client.
"""

from __future__ import annotations

import ssl
from functools import lru_cache
from typing import Any

import aiohttp
import httpx
from httpx._client import USE_CLIENT_DEFAULT, UseClientDefault
from yarl import URL

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
USER_AGENT = "OrderTrail/0.1 (+order tracking)"

# aiohttp's failures as the httpx exceptions adapters map (`carriers.base.send`); most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientConnectionError, httpx.ConnectError),
    (aiohttp.ClientError, httpx.NetworkError),
)


class CarrierTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one aiohttp session: whole replies, headers passed as plain pairs, no re-parsing."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        self._ssl: ssl.SSLContext | bool = verify if isinstance(verify, ssl.SSLContext) else bool(verify)
        if self._ssl is True:
            self._ssl = ssl.create_default_context()
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=100)
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry or 15.0,
                ssl=self._ssl,
            )
            # No cookie jar and no automatic decompression: httpx.Response decodes what the carrier encoded.
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            async with self._session_now().request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                compress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeout.get("connect"), sock_read=timeout.get("read"), connect=timeout.get("pool")
                ),
            ) as reply:
                content = await reply.read()
        except Exception as exc:
            raise _httpx_error(exc, request) from exc
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if reply.reason:
            extensions["reason_phrase"] = reply.reason.encode()
        return httpx.Response(
            reply.status, headers=reply.raw_headers, content=content, request=request, extensions=extensions
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _httpx_error(exc: Exception, request: httpx.Request) -> Exception:
    for source, target in _ERRORS:
        if isinstance(exc, source):
            return target(str(exc), request=request)
    if isinstance(exc, TimeoutError):  # the whole call ran out of time
        return httpx.ReadTimeout(str(exc) or "timed out", request=request)
    return exc


class CarrierClient(httpx.AsyncClient):
    """`httpx.AsyncClient` whose plain calls (no auth, no hooks, not streamed) go straight to the transport.

    Such a call keeps the request's timeouts and reads the whole reply, but stores no cookies and follows no
    redirect (carrier APIs answer where they are asked). Anything else takes httpx's full path.
    """

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        # Adapters call the same few endpoints over and over: parse each absolute URL string once.
        if isinstance(url, str) and not self.base_url.raw_path.strip(b"/"):
            parsed = _parsed_url(url)
            if parsed.is_absolute_url:
                return parsed
        return super()._merge_url(url)

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        plain = (
            not stream
            and (auth is None or (isinstance(auth, UseClientDefault) and self.auth is None))
            and not (follow_redirects if isinstance(follow_redirects, bool) else self.follow_redirects)
            and not self.event_hooks["request"]
            and not self.event_hooks["response"]
        )
        if not plain or self.is_closed:
            return await super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = self.timeout.as_dict()
        response = await self._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        await response.aread()
        return response


@lru_cache(maxsize=4096)
def _parsed_url(url: str) -> httpx.URL:
    return httpx.URL(url)


def make_client(
    *,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
    read_timeout: float = READ_TIMEOUT,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client for carrier calls; tests pass their own transport (e.g. `httpx.MockTransport`)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return CarrierClient(
        transport=transport or CarrierTransport(verify=verify, limits=limits),
        timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,
    )
