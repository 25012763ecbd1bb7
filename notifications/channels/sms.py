"""SMS through Twilio's official client (async), turning every outcome into a typed `SendResult`.

Needs an account SID, an auth token and a sender (a Twilio number, or a Messaging Service SID). `api_base_url`
points the client at a local stand-in (the fake Twilio API) instead of api.twilio.com.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from notifications.base import SendResult, SmsMessage
from notifications.sms_text import segments


@dataclass
class _Exchange:
    """What one send saw on the wire: whether the request left us, and the raw reply with its headers."""

    request_sent: bool = False
    response: Response | None = None


# One exchange per `send` call; the HTTP client below fills it in, since the SDK's exceptions drop the headers.
_EXCHANGE: ContextVar[_Exchange | None] = ContextVar("twilio_exchange", default=None)


async def _mark_request_sent(_session: aiohttp.ClientSession, _ctx: SimpleNamespace, _params: Any) -> None:
    exchange = _EXCHANGE.get()
    if exchange is not None:
        exchange.request_sent = True


def _with_basic_auth(headers: dict[str, str] | None, auth: tuple[str, str] | None) -> dict[str, str]:
    # Built by hand: aiohttp.BasicAuth is deprecated in recent aiohttp, and its replacement is missing in older ones.
    merged = dict(headers or {})
    if auth is not None:
        merged["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
    return merged


class RetargetedTwilioHttpClient(AsyncTwilioHttpClient):
    """The SDK's aiohttp client, optionally aimed at another origin, with real timeouts and kept headers.

    Why a subclass: the SDK builds every URL from the fixed https://api.twilio.com origin (or a regional
    *.twilio.com host) and has no setting to change it, so reaching the local fake in tests and the demo means
    swapping the origin at this last hop; request building, auth and error parsing above stay the SDK's own.
    The stock client also hands aiohttp `timeout=None` (no timeout at all) and keeps no response headers, and we
    need both: a bounded wait, and Retry-After.
    """

    def __init__(self, *, api_base_url: str | None, connect_timeout: float, total_timeout: float) -> None:
        # No session yet: aiohttp sessions need a running loop, and channels are built at startup.
        super().__init__(pool_connections=False)
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.client_timeout = aiohttp.ClientTimeout(total=total_timeout, connect=connect_timeout)

    def retarget(self, url: str) -> str:
        """Swap a *.twilio.com origin for `api_base_url`, keeping the path and query."""
        parts = urlsplit(url)
        if self.api_base_url is None or not (parts.hostname or "").endswith("twilio.com"):
            return url
        base = urlsplit(self.api_base_url)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            trace = aiohttp.TraceConfig()
            trace.on_request_headers_sent.append(_mark_request_sent)
            self.session = aiohttp.ClientSession(timeout=self.client_timeout, trace_configs=[trace])
        session: aiohttp.ClientSession = self.session
        return session

    def _timeout(self, seconds: float | None) -> aiohttp.ClientTimeout:
        if seconds is None:
            return self.client_timeout
        return aiohttp.ClientTimeout(total=seconds, connect=self.client_timeout.connect)

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's HttpClient interface passes it by this name
        allow_redirects: bool = False,
    ) -> Response:
        target = self.retarget(url)
        self.log_request({"method": method.upper(), "url": target, "params": params, "headers": headers})
        async with self._session().request(
            method.upper(),
            target,
            params=params,
            data=data,
            headers=_with_basic_auth(headers, auth),
            timeout=self._timeout(timeout),
            allow_redirects=allow_redirects,
        ) as raw:
            response = Response(raw.status, await raw.text(), raw.headers)
        self.log_response(response.status_code, response)
        exchange = _EXCHANGE.get()
        if exchange is not None:
            exchange.response = response
        return response

    async def close(self) -> None:
        await super().close()
        self.session = None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    value = (headers or {}).get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _api_error_parts(exc: TwilioRestException | TwilioServiceException) -> tuple[int, int | None, str]:
    if isinstance(exc, TwilioServiceException):
        return int(exc.status), exc.code, exc.detail or exc.title
    # The SDK prefixes the API's own message with its own words; keep only Twilio's text.
    text = str(exc.msg).removeprefix("Unable to create record: ")
    return int(exc.status), int(exc.code) if exc.code is not None else None, text


def _in_doubt(error: str, code: str) -> SendResult:
    """Retryable, but Twilio may already hold the message: the dispatcher reconciles before sending again."""
    return dataclasses.replace(SendResult.temporary(error, code=code), in_doubt=True)


class TwilioSmsChannel:
    """Send one SMS per call through Twilio's Messages API. Never retries by itself (see notifications.base)."""

    name = "sms"
    max_body_chars = 1600  # Twilio refuses longer bodies (error 21617)
    max_segments = 10  # Twilio's advice: longer concatenated messages deliver poorly
    messages_per_second = 1.0  # default throughput of one US long code
    connect_timeout = 5.0
    total_timeout = 15.0

    # Recipient problems that will not change on retry; 21610 means the shopper replied STOP.
    PERMANENT_CODES = frozenset({21211, 21408, 21610, 21612, 21614})
    # Back off and try later: rate limited (20429) or the sender's queue is full (21611).
    TEMPORARY_CODES = frozenset({20429, 21611})

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        api_base_url: str | None = None,
        messaging_service_sid: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.http = RetargetedTwilioHttpClient(
            api_base_url=api_base_url,
            connect_timeout=self.connect_timeout,
            total_timeout=timeout or self.total_timeout,
        )
        self.client = Client(account_sid, auth_token, http_client=self.http)

    def _refusal(self, msg: SmsMessage) -> SendResult | None:
        """Problems we can see before calling Twilio; each is permanent."""
        if not msg.to:
            return SendResult.permanent("no recipient number", code="missing_to")
        if not msg.body.strip():
            return SendResult.permanent("empty message body", code="empty_body")
        if len(msg.body) > self.max_body_chars or segments(msg.body) > self.max_segments:
            return SendResult.permanent(f"body of {len(msg.body)} characters is too long", code="body_too_long")
        if not (msg.sender or self.from_number or self.messaging_service_sid):
            return SendResult.permanent("no sender number or messaging service configured", code="missing_from")
        return None

    def _create_params(self, msg: SmsMessage) -> dict[str, Any]:
        params: dict[str, Any] = {"to": msg.to, "body": msg.body}
        sender = msg.sender or self.from_number
        if sender:
            params["from_"] = sender
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        if msg.status_callback:
            params["status_callback"] = msg.status_callback
        return params

    def _from_api_error(self, exc: TwilioRestException | TwilioServiceException, exchange: _Exchange) -> SendResult:
        status, code, text = _api_error_parts(exc)
        code_text = str(code if code is not None else status)
        if code in self.PERMANENT_CODES:
            return SendResult.permanent(text, code=code_text)
        if status in (401, 403):
            return SendResult.permanent(f"Twilio refused the account SID / auth token: {text}", code=code_text)
        if code in self.TEMPORARY_CODES or status == 429 or status >= 500:
            headers = exchange.response.headers if exchange.response is not None else None
            return SendResult.temporary(text, code=code_text, retry_after=retry_after_seconds(headers))
        return SendResult.permanent(text, code=code_text)

    @staticmethod
    def _from_transport_error(exc: BaseException, exchange: _Exchange) -> SendResult:
        kind = "timeout" if isinstance(exc, TimeoutError) else "network"
        error = f"{kind} talking to Twilio: {exc!r}"
        # Once the request left, Twilio may have queued (and will bill) the message: a blind retry could double it.
        return _in_doubt(error, kind) if exchange.request_sent else SendResult.temporary(error, code=kind)

    async def send(self, msg: SmsMessage) -> SendResult:
        refusal = self._refusal(msg)
        if refusal is not None:
            return refusal
        exchange = _Exchange()
        token = _EXCHANGE.set(exchange)
        try:
            created = await self.client.messages.create_async(**self._create_params(msg))
        except (TwilioRestException, TwilioServiceException) as exc:
            return self._from_api_error(exc, exchange)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._from_transport_error(exc, exchange)
        except ValueError as exc:
            if exchange.response is None:
                raise  # nothing reached Twilio: a bug on our side, not a delivery outcome
            # A 2xx whose body is not JSON: the message was most likely accepted, we just cannot read its SID.
            return _in_doubt(f"unreadable reply: {exc}", "bad_reply")
        finally:
            _EXCHANGE.reset(token)
        if not created.sid:
            return _in_doubt("reply without a message SID", "bad_reply")
        return SendResult.sent(created.sid)

    async def close(self) -> None:
        """Release the HTTP session (safe to call twice)."""
        await self.http.close()
