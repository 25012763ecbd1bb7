"""A local stand-in for Twilio's Messages API, served over real HTTP for tests and the demo.

It speaks the documented wire format (form-encoded create, Basic auth, JSON message resource, Twilio's error JSON),
answers Twilio's magic test numbers with their documented errors, posts signed status callbacks, and takes
injected faults (429, 5xx, slow replies) through `/_control/faults`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import html
import logging
import re
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from notifications.sms_text import segments

API_VERSION = "2010-04-01"
MAX_BODY_CHARS = 1600
FAULT_MODES = frozenset({"429", "500", "503", "slow"})
# Status callbacks posted at once. httpx's pool scans every queued request on each assignment, so thousands of
# callbacks queued in it (a burst of sends to a slow or dead callback URL) cost more CPU than the sends themselves.
CALLBACKS_IN_FLIGHT = 8

# Twilio's magic "To" numbers for test credentials (twilio.com/docs/iam/test-credentials).
MAGIC_RECIPIENTS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
_FAULT_ERRORS = {
    "429": (20429, "Too Many Requests"),
    "500": (20500, "Internal Server Error"),
    "503": (20503, "Service Unavailable"),
}
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fault:
    mode: str
    retry_after: float | None = None
    delay: float = 1.0


@dataclass
class FakeTwilioState:
    """Everything the fake remembers; tests reach it as `app.state.fake`."""

    account_sid: str
    auth_token: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Every create request, accepted or not: lets tests count attempts (e.g. no retry after 21610).
    requests: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # One client for every status callback: a client per message costs more CPU than the send it reports on.
    callback_client: httpx.AsyncClient | None = None
    callback_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CALLBACKS_IN_FLIGHT))

    def http(self) -> httpx.AsyncClient:
        if self.callback_client is None:
            self.callback_client = httpx.AsyncClient(timeout=5.0)
        return self.callback_client

    def add_faults(self, fault: Fault, count: int) -> None:
        self.faults.extend([fault] * count)

    def next_fault(self) -> Fault | None:
        return self.faults.popleft() if self.faults else None

    async def drain(self) -> None:
        """Wait for pending status callbacks (tests call this before asserting on them)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


class TwilioError(Exception):
    """A request the fake refuses, rendered in Twilio's error JSON."""

    def __init__(self, http_status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        payload = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.http_status,
        }
        return JSONResponse(payload, status_code=self.http_status, headers=self.headers)


def _state(request: Request) -> FakeTwilioState:
    state: FakeTwilioState = request.app.state.fake
    return state


def _fault_error(fault: Fault) -> TwilioError:
    code, message = _FAULT_ERRORS[fault.mode]
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    return TwilioError(int(fault.mode), code, message, headers)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _authenticate(request: Request, state: FakeTwilioState) -> None:
    creds = _basic_credentials(request)
    expected = (state.account_sid, state.auth_token)
    if creds is None or not all(secrets.compare_digest(a, b) for a, b in zip(creds, expected, strict=True)):
        raise TwilioError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
    if request.path_params["account_sid"] != state.account_sid:
        raise TwilioError(404, 20404, "The requested resource was not found")


def _validate(form: dict[str, str]) -> None:
    to, body = form.get("To", ""), form.get("Body", "")
    if not to:
        raise TwilioError(400, 21604, "A 'To' phone number is required.")
    if to in MAGIC_RECIPIENTS:
        code, message = MAGIC_RECIPIENTS[to]
        raise TwilioError(400, code, message)
    if not _E164.match(to):
        raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        raise TwilioError(400, 21603, "A 'From' phone number is required.")
    if not body:
        raise TwilioError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY_CHARS:
        raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")


def _resource(form: dict[str, str], account_sid: str) -> dict[str, Any]:
    sid = "SM" + secrets.token_hex(16)
    now = format_datetime(datetime.now(UTC))
    service = form.get("MessagingServiceSid") or None
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": form["Body"],
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From") or None,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": str(segments(form["Body"])),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        # Twilio answers "accepted" while a Messaging Service still has to pick the sender.
        "status": "accepted" if service else "queued",
        "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": form["To"],
        "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
    }


def _callback_params(message: dict[str, Any], status: str) -> dict[str, str]:
    return {
        "AccountSid": message["account_sid"],
        "ApiVersion": API_VERSION,
        "From": message["from"] or "",
        "MessageSid": message["sid"],
        "MessageStatus": status,
        "SmsSid": message["sid"],
        "SmsStatus": status,
        "To": message["to"],
    }


async def _post_callback(client: httpx.AsyncClient, url: str, params: dict[str, str], token: str) -> int:
    signature = RequestValidator(token).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
    response = await client.post(url, data=params, headers=headers)
    return response.status_code


async def _deliver(state: FakeTwilioState, message: dict[str, Any], url: str) -> None:
    """Walk the message through sent → delivered, telling the callback URL at each step."""
    client = state.http()
    for status in ("sent", "delivered"):
        message["status"] = status
        entry: dict[str, Any] = {"sid": message["sid"], "url": url, "status": status}
        try:
            params = _callback_params(message, status)
            async with state.callback_gate:
                entry["http_status"] = await _post_callback(client, url, params, state.auth_token)
        except httpx.HTTPError as exc:
            # Real Twilio logs a failed callback (error 11200) and carries on; so does the fake.
            entry["error"] = repr(exc)
            log.info("status callback to %s failed: %r", url, exc)
        state.callbacks.append(entry)


def _schedule_callbacks(state: FakeTwilioState, message: dict[str, Any], url: str) -> None:
    task = asyncio.create_task(_deliver(state, message, url))
    state.tasks.add(task)
    task.add_done_callback(state.tasks.discard)


async def _client_gone(request: Request) -> None:
    # Once the body is read, the server's receive() only returns when the client disconnects.
    while (await request.receive())["type"] != "http.disconnect":
        continue


async def _stall(request: Request, delay: float) -> None:
    """Hold the reply for `delay` seconds, giving up early once the client has hung up."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_client_gone(request), delay)


async def _accept(request: Request, state: FakeTwilioState) -> dict[str, Any]:
    form = {key: str(value) for key, value in (await request.form()).items()}
    _validate(form)
    message = _resource(form, state.account_sid)
    message["status_callback"] = form.get("StatusCallback", "")
    state.messages.append(message)
    if message["status_callback"]:
        _schedule_callbacks(state, message, message["status_callback"])
    return message


async def create_message(request: Request) -> Response:
    state = _state(request)
    fault = state.next_fault()
    record: dict[str, Any] = {"path": request.url.path, "fault": fault.mode if fault else None}
    state.requests.append(record)
    try:
        if fault is not None and fault.mode != "slow":
            raise _fault_error(fault)
        _authenticate(request, state)
        message = await _accept(request, state)
    except TwilioError as exc:
        record.update(http_status=exc.http_status, code=exc.code)
        return exc.response()
    record.update(http_status=201, code=None, to=message["to"])
    if fault is not None:
        await _stall(request, fault.delay)
    public = {key: value for key, value in message.items() if key != "status_callback"}
    return JSONResponse(public, status_code=201)


async def add_faults(request: Request) -> Response:
    spec = await request.json()
    mode = str(spec.get("mode", ""))
    if mode not in FAULT_MODES:
        return JSONResponse({"error": f"mode must be one of {sorted(FAULT_MODES)}"}, status_code=400)
    retry_after = spec.get("retry_after")
    fault = Fault(mode, None if retry_after is None else float(retry_after), float(spec.get("delay", 1.0)))
    state = _state(request)
    state.add_faults(fault, int(spec.get("count", 1)))
    return JSONResponse({"pending": len(state.faults)})


async def clear_faults(request: Request) -> Response:
    _state(request).faults.clear()
    return Response(status_code=204)


async def list_messages(request: Request) -> Response:
    return JSONResponse(_state(request).messages)


async def clear_messages(request: Request) -> Response:
    state = _state(request)
    state.messages.clear()
    state.requests.clear()
    state.callbacks.clear()
    return Response(status_code=204)


async def list_requests(request: Request) -> Response:
    return JSONResponse(_state(request).requests)


def _row(message: dict[str, Any]) -> str:
    cells = (message["date_created"], message["to"], message["from"] or "", message["status"], message["num_segments"])
    tds = "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells)
    return f"<tr>{tds}<td><pre>{html.escape(message['body'])}</pre></td></tr>"


async def inbox_page(request: Request) -> Response:
    messages = _state(request).messages
    rows = "".join(_row(message) for message in reversed(messages)) or '<tr><td colspan="6">No messages yet.</td></tr>'
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Twilio: caught SMS</title></head>'
        f'<body><h1>Caught SMS ({len(messages)})</h1><table border="1" cellpadding="4">'
        "<tr><th>Created</th><th>To</th><th>From</th><th>Status</th><th>Segments</th><th>Body</th></tr>"
        f"{rows}</table></body></html>"
    )
    return HTMLResponse(page)


def create_fake_twilio_app(account_sid: str, auth_token: str) -> Starlette:
    """Build the fake; its `FakeTwilioState` is `app.state.fake`."""
    routes = [
        Route(f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json", create_message, methods=["POST"]),
        Route("/_control/faults", add_faults, methods=["POST"]),
        Route("/_control/faults", clear_faults, methods=["DELETE"]),
        Route("/_control/messages", list_messages, methods=["GET"]),
        Route("/_control/messages", clear_messages, methods=["DELETE"]),
        Route("/_control/requests", list_requests, methods=["GET"]),
        Route("/", inbox_page, methods=["GET"]),
    ]
    state = FakeTwilioState(account_sid=account_sid, auth_token=auth_token)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await state.drain()
        if state.callback_client is not None:
            await state.callback_client.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.fake = state
    return app
