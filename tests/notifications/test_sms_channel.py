"""The Twilio SMS channel: the real twilio client talking to the fake Twilio API on a loopback port."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifications.base import SendResult, SmsMessage
from notifications.channels.sms import RetargetedTwilioHttpClient, TwilioSmsChannel, retry_after_seconds
from notifications.fake_twilio import FakeTwilioState, create_fake_twilio_app
from notifications.twilio_webhooks import parse_status_callback, verify_twilio_signature
from tests.notifications.callbacks import Receiver
from tests.servers import free_port, serve

TOKEN = "channel-auth-token"
SENDER = "+15005550006"
SHOPPER = "+14155552671"


@dataclass
class Setup:
    base: str
    sid: str
    state: FakeTwilioState
    channel: TwilioSmsChannel

    async def fault(self, **spec: object) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.base}/_control/faults", json=spec)
            response.raise_for_status()


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    sid = "AC" + secrets.token_hex(16)
    app = create_fake_twilio_app(sid, TOKEN)
    async with serve(app) as base:
        channel = TwilioSmsChannel(sid, TOKEN, SENDER, api_base_url=base, timeout=2.0)
        yield Setup(base, sid, app.state.fake, channel)
        await channel.close()
        await app.state.fake.drain()


def sms(to: str = SHOPPER, body: str = "Your order 1042 is out for delivery.", **extra: str) -> SmsMessage:
    return SmsMessage(to=to, body=body, sender=extra.get("sender", ""), status_callback=extra.get("callback", ""))


async def test_send_succeeds_and_the_fake_logged_exactly_that_message(setup: Setup) -> None:
    result = await setup.channel.send(sms())
    assert result.ok and not result.retryable and not result.in_doubt
    [logged] = setup.state.messages
    assert result.provider_id == logged["sid"]
    assert (logged["to"], logged["from"], logged["body"]) == (SHOPPER, SENDER, "Your order 1042 is out for delivery.")
    assert logged["account_sid"] == setup.sid


async def test_message_sender_overrides_the_default_number(setup: Setup) -> None:
    assert (await setup.channel.send(sms(sender="+15005550007"))).ok
    assert setup.state.messages[0]["from"] == "+15005550007"


async def test_messaging_service_is_passed_through(setup: Setup) -> None:
    service = "MG" + "1" * 32
    channel = TwilioSmsChannel(setup.sid, TOKEN, "", api_base_url=setup.base, messaging_service_sid=service)
    try:
        assert (await channel.send(sms())).ok
    finally:
        await channel.close()
    [logged] = setup.state.messages
    assert (logged["messaging_service_sid"], logged["from"], logged["status"]) == (service, None, "accepted")


MAGIC = (
    ("+15005550001", "21211"),
    ("+15005550002", "21612"),
    ("+15005550003", "21408"),
    ("+15005550004", "21610"),
    ("+15005550009", "21614"),
)


@pytest.mark.parametrize(("to", "code"), MAGIC)
async def test_magic_numbers_are_permanent_failures(setup: Setup, to: str, code: str) -> None:
    result = await setup.channel.send(sms(to=to))
    assert (result.ok, result.retryable, result.error_code, result.in_doubt) == (False, False, code, False)
    assert result.error and not result.error.startswith("Unable to create record")
    assert len(setup.state.requests) == 1  # the channel never retries on its own
    assert setup.state.messages == []


async def test_429_with_retry_after_is_retryable_after_that_delay(setup: Setup) -> None:
    await setup.fault(mode="429", retry_after=7)
    result = await setup.channel.send(sms())
    assert (result.ok, result.retryable, result.error_code, result.retry_after) == (False, True, "20429", 7.0)
    assert setup.state.messages == []


async def test_429_without_retry_after_leaves_the_delay_to_the_dispatcher(setup: Setup) -> None:
    await setup.fault(mode="429")
    result = await setup.channel.send(sms())
    assert (result.retryable, result.error_code, result.retry_after) == (True, "20429", None)


@pytest.mark.parametrize(("mode", "code"), [("500", "20500"), ("503", "20503")])
async def test_server_errors_are_temporary(setup: Setup, mode: str, code: str) -> None:
    await setup.fault(mode=mode, retry_after=2)
    result = await setup.channel.send(sms())
    assert (result.ok, result.retryable, result.error_code, result.retry_after) == (False, True, code, 2.0)
    assert not result.in_doubt


async def test_503_then_success_sends_exactly_one_message(setup: Setup) -> None:
    await setup.fault(mode="503", count=2)
    results = [await setup.channel.send(sms()) for _ in range(3)]
    assert [r.ok for r in results] == [False, False, True]
    assert all(r.retryable for r in results[:2])
    assert [m["sid"] for m in setup.state.messages] == [results[2].provider_id]


async def test_wrong_credentials_are_a_permanent_auth_error(setup: Setup) -> None:
    channel = TwilioSmsChannel(setup.sid, "wrong-token", SENDER, api_base_url=setup.base)
    try:
        result = await channel.send(sms())
    finally:
        await channel.close()
    assert (result.ok, result.retryable, result.error_code) == (False, False, "20003")
    assert "auth token" in result.error
    assert setup.state.messages == []


async def test_timeout_after_the_request_was_sent_is_in_doubt(setup: Setup) -> None:
    await setup.fault(mode="slow", delay=5)
    channel = TwilioSmsChannel(setup.sid, TOKEN, SENDER, api_base_url=setup.base, timeout=0.3)
    try:
        result = await channel.send(sms())
    finally:
        await channel.close()
    assert (result.ok, result.retryable, result.in_doubt, result.error_code) == (False, True, True, "timeout")
    assert len(setup.state.messages) == 1  # Twilio kept it: a blind retry would send it twice


async def test_connection_refused_is_temporary_and_not_in_doubt() -> None:
    channel = TwilioSmsChannel("AC" + "2" * 32, TOKEN, SENDER, api_base_url=f"http://127.0.0.1:{free_port()}")
    try:
        result = await channel.send(sms())
    finally:
        await channel.close()
    assert (result.ok, result.retryable, result.in_doubt, result.error_code) == (False, True, False, "network")


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (sms(body="   "), "empty_body"),
        (sms(body="x" * 1601), "body_too_long"),
        (sms(body="ł" * 700), "body_too_long"),  # 11 UCS-2 segments
        (sms(to=""), "missing_to"),
    ],
)
async def test_unsendable_messages_are_refused_before_calling_twilio(
    setup: Setup, message: SmsMessage, code: str
) -> None:
    result = await setup.channel.send(message)
    assert (result.ok, result.retryable, result.error_code) == (False, False, code)
    assert setup.state.requests == []


async def test_missing_sender_is_refused(setup: Setup) -> None:
    channel = TwilioSmsChannel(setup.sid, TOKEN, "", api_base_url=setup.base)
    try:
        result = await channel.send(sms())
    finally:
        await channel.close()
    assert (result.ok, result.retryable, result.error_code) == (False, False, "missing_from")


async def test_status_callback_arrives_signed_and_verifies(setup: Setup) -> None:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hooks/twilio/status", receiver.endpoint, methods=["POST"])])
    async with serve(app) as receiver_base:
        callback = f"{receiver_base}/hooks/twilio/status"
        result = await setup.channel.send(sms(callback=callback))
        await setup.state.drain()
    assert result.ok
    parsed = [parse_status_callback(params) for _, params, _ in receiver.calls]
    assert parsed == [(result.provider_id, "sent", None), (result.provider_id, "delivered", None)]
    for url, params, signature in receiver.calls:
        assert verify_twilio_signature(url, params, signature, TOKEN)
        assert not verify_twilio_signature(url, {**params, "To": "+14155550000"}, signature, TOKEN)
        assert not verify_twilio_signature(url, params, signature, "other-token")


def odd_server(status: int, body: str, content_type: str) -> Starlette:
    async def reply(_request: Request) -> Response:
        return Response(body, status_code=status, media_type=content_type)

    return Starlette(routes=[Route("/2010-04-01/Accounts/{sid}/Messages.json", reply, methods=["POST"])])


async def test_unreadable_success_reply_is_in_doubt() -> None:
    async with serve(odd_server(201, "<html>ok</html>", "text/html")) as base:
        channel = TwilioSmsChannel("AC" + "3" * 32, TOKEN, SENDER, api_base_url=base)
        try:
            result = await channel.send(sms())
        finally:
            await channel.close()
    assert (result.ok, result.retryable, result.in_doubt, result.error_code) == (False, True, True, "bad_reply")


async def test_gateway_html_error_is_temporary() -> None:
    async with serve(odd_server(502, "<html>Bad Gateway</html>", "text/html")) as base:
        channel = TwilioSmsChannel("AC" + "4" * 32, TOKEN, SENDER, api_base_url=base)
        try:
            result = await channel.send(sms())
        finally:
            await channel.close()
    assert (result.ok, result.retryable, result.error_code, result.in_doubt) == (False, True, "502", False)


async def test_close_releases_the_session_and_is_idempotent(setup: Setup) -> None:
    assert (await setup.channel.send(sms())).ok
    session = setup.channel.http.session
    assert session is not None and not session.closed
    await setup.channel.close()
    await setup.channel.close()
    assert session.closed
    assert setup.channel.http.session is None


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        (
            "http://127.0.0.1:8025",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
            "http://127.0.0.1:8025/2010-04-01/Accounts/AC1/Messages.json",
        ),
        (
            "http://demo.local/fake-twilio/",
            "https://api.dublin.ie1.twilio.com/2010-04-01/X.json?a=1",
            "http://demo.local/fake-twilio/2010-04-01/X.json?a=1",
        ),
        ("http://127.0.0.1:8025", "https://example.com/other", "https://example.com/other"),
        (None, "https://api.twilio.com/2010-04-01/X.json", "https://api.twilio.com/2010-04-01/X.json"),
    ],
)
def test_retarget_swaps_only_twilio_origins(base: str | None, url: str, expected: str) -> None:
    client = RetargetedTwilioHttpClient(api_base_url=base, connect_timeout=1.0, total_timeout=2.0)
    assert client.retarget(url) == expected


def test_retry_after_parsing() -> None:
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"Retry-After": "-3"}) == 0.0
    assert 100 < (retry_after_seconds({"Retry-After": future}) or 0) <= 120
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None
    assert retry_after_seconds(None) is None


def test_limits_are_class_attributes() -> None:
    assert (TwilioSmsChannel.name, TwilioSmsChannel.max_body_chars, TwilioSmsChannel.max_segments) == ("sms", 1600, 10)
    assert SendResult.sent("SMx").ok
