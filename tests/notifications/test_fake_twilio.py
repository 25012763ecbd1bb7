"""The fake Twilio API over real HTTP: wire format, auth, magic numbers, faults, control endpoints, callbacks."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from notifications.fake_twilio import CALLBACKS_IN_FLIGHT, MAGIC_RECIPIENTS, FakeTwilioState, create_fake_twilio_app
from notifications.twilio_webhooks import verify_twilio_signature
from tests.notifications.callbacks import Receiver
from tests.servers import free_port, serve

TOKEN = "fake-auth-token"
SENDER = "+15005550006"
SHOPPER = "+14155552671"


@dataclass
class Fake:
    base: str
    sid: str
    state: FakeTwilioState
    http: httpx.AsyncClient

    @property
    def messages_url(self) -> str:
        return f"{self.base}/2010-04-01/Accounts/{self.sid}/Messages.json"

    async def create(self, form: dict[str, str], auth: tuple[str, str] | None = None) -> httpx.Response:
        return await self.http.post(self.messages_url, data=form, auth=auth or (self.sid, TOKEN))


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    sid = "AC" + secrets.token_hex(16)
    app = create_fake_twilio_app(sid, TOKEN)
    async with serve(app) as base, httpx.AsyncClient() as http:
        yield Fake(base, sid, app.state.fake, http)
        await app.state.fake.drain()


def assert_twilio_error(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status
    payload = response.json()
    assert payload == {
        "code": code,
        "message": payload["message"],
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    assert payload["message"]


async def test_create_returns_the_message_resource_and_logs_it(fake: Fake) -> None:
    response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "Out for delivery"})
    assert response.status_code == 201
    resource = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", resource["sid"])
    assert resource["status"] == "queued"
    assert (resource["to"], resource["from"], resource["body"]) == (SHOPPER, SENDER, "Out for delivery")
    assert resource["num_segments"] == "1"
    assert resource["account_sid"] == fake.sid
    assert resource["uri"] == f"/2010-04-01/Accounts/{fake.sid}/Messages/{resource['sid']}.json"
    listed = (await fake.http.get(f"{fake.base}/_control/messages")).json()
    assert [(m["sid"], m["to"], m["body"]) for m in listed] == [(resource["sid"], SHOPPER, "Out for delivery")]


async def test_num_segments_follows_the_encoding(fake: Fake) -> None:
    gsm = (await fake.create({"To": SHOPPER, "From": SENDER, "Body": "a" * 161})).json()
    ucs2 = (await fake.create({"To": SHOPPER, "From": SENDER, "Body": "ł" * 71})).json()
    assert (gsm["num_segments"], ucs2["num_segments"]) == ("2", "2")


async def test_messaging_service_message_is_accepted_without_from(fake: Fake) -> None:
    service = "MG" + "0" * 32
    resource = (await fake.create({"To": SHOPPER, "MessagingServiceSid": service, "Body": "hi"})).json()
    assert (resource["status"], resource["from"], resource["messaging_service_sid"]) == ("accepted", None, service)


@pytest.mark.parametrize("auth", [None, ("AC" + "0" * 32, TOKEN), ("", "")])
async def test_bad_credentials_get_401_with_twilio_error(fake: Fake, auth: tuple[str, str] | None) -> None:
    if auth is None:
        response = await fake.http.post(fake.messages_url, data={"To": SHOPPER, "From": SENDER, "Body": "x"})
    else:
        response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x"}, auth=auth)
    assert_twilio_error(response, 401, 20003)
    assert response.headers["www-authenticate"].startswith("Basic")
    assert fake.state.messages == []


async def test_wrong_token_for_right_sid_is_refused(fake: Fake) -> None:
    response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x"}, auth=(fake.sid, "not-" + TOKEN))
    assert_twilio_error(response, 401, 20003)


async def test_other_account_in_path_is_not_found(fake: Fake) -> None:
    url = fake.messages_url.replace(fake.sid, "AC" + "f" * 32)
    response = await fake.http.post(url, data={"To": SHOPPER, "From": SENDER, "Body": "x"}, auth=(fake.sid, TOKEN))
    assert_twilio_error(response, 404, 20404)


@pytest.mark.parametrize(("to", "code"), [(to, code) for to, (code, _) in MAGIC_RECIPIENTS.items()])
async def test_magic_recipients_get_their_documented_errors(fake: Fake, to: str, code: int) -> None:
    response = await fake.create({"To": to, "From": SENDER, "Body": "x"})
    assert_twilio_error(response, 400, code)
    assert fake.state.messages == []
    assert [(r["http_status"], r["code"]) for r in fake.state.requests] == [(400, code)]


def test_magic_table_matches_twilio_docs() -> None:
    expected = {"+15005550001": 21211, "+15005550002": 21612, "+15005550003": 21408}
    expected |= {"+15005550004": 21610, "+15005550009": 21614}
    assert {to: code for to, (code, _) in MAGIC_RECIPIENTS.items()} == expected


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": SENDER, "Body": "x"}, 21604),
        ({"To": "4155552671", "From": SENDER, "Body": "x"}, 21211),
        ({"To": SHOPPER, "Body": "x"}, 21603),
        ({"To": SHOPPER, "From": SENDER}, 21602),
        ({"To": SHOPPER, "From": SENDER, "Body": "x" * 1601}, 21617),
    ],
)
async def test_invalid_requests_are_refused(fake: Fake, form: dict[str, str], code: int) -> None:
    assert_twilio_error(await fake.create(form), 400, code)


async def test_injected_faults_apply_to_the_next_n_requests(fake: Fake) -> None:
    control = await fake.http.post(f"{fake.base}/_control/faults", json={"mode": "503", "count": 2, "retry_after": 3})
    assert control.json() == {"pending": 2}
    form = {"To": SHOPPER, "From": SENDER, "Body": "x"}
    first, second, third = [await fake.create(form) for _ in range(3)]
    assert_twilio_error(first, 503, 20503)
    assert second.status_code == 503
    assert first.headers["retry-after"] == "3"
    assert third.status_code == 201
    assert len(fake.state.messages) == 1
    assert [r["fault"] for r in (await fake.http.get(f"{fake.base}/_control/requests")).json()] == ["503", "503", None]


async def test_429_fault_without_retry_after_has_no_header(fake: Fake) -> None:
    await fake.http.post(f"{fake.base}/_control/faults", json={"mode": "429"})
    response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x"})
    assert_twilio_error(response, 429, 20429)
    assert "retry-after" not in response.headers


async def test_unknown_fault_mode_is_refused_and_faults_can_be_cleared(fake: Fake) -> None:
    assert (await fake.http.post(f"{fake.base}/_control/faults", json={"mode": "418"})).status_code == 400
    await fake.http.post(f"{fake.base}/_control/faults", json={"mode": "500", "count": 5})
    assert (await fake.http.delete(f"{fake.base}/_control/faults")).status_code == 204
    assert (await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x"})).status_code == 201


async def test_slow_fault_still_accepts_the_message(fake: Fake) -> None:
    await fake.http.post(f"{fake.base}/_control/faults", json={"mode": "slow", "delay": 0.2})
    response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "late"})
    assert response.status_code == 201
    assert [m["body"] for m in fake.state.messages] == ["late"]


async def test_delete_messages_empties_the_log(fake: Fake) -> None:
    await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x"})
    assert (await fake.http.delete(f"{fake.base}/_control/messages")).status_code == 204
    assert (await fake.http.get(f"{fake.base}/_control/messages")).json() == []


async def test_inbox_page_lists_messages_escaped(fake: Fake) -> None:
    await fake.create({"To": SHOPPER, "From": SENDER, "Body": "<script>alert(1)</script> & more"})
    page = await fake.http.get(f"{fake.base}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page.text
    assert "<script>" not in page.text
    assert SHOPPER in page.text


async def test_status_callbacks_are_posted_signed_in_order(fake: Fake) -> None:
    receiver = Receiver()
    app = Starlette(routes=[Route("/status", receiver.endpoint, methods=["POST"])])
    async with serve(app) as receiver_base:
        callback = f"{receiver_base}/status?shipment=42"
        form = {"To": SHOPPER, "From": SENDER, "Body": "x", "StatusCallback": callback}
        sid = (await fake.create(form)).json()["sid"]
        await fake.state.drain()
    assert [call[1]["MessageStatus"] for call in receiver.calls] == ["sent", "delivered"]
    for url, params, signature in receiver.calls:
        assert url == callback
        assert (params["MessageSid"], params["SmsSid"], params["AccountSid"]) == (sid, sid, fake.sid)
        assert (params["To"], params["From"]) == (SHOPPER, SENDER)
        assert verify_twilio_signature(url, params, signature, TOKEN)
        assert not verify_twilio_signature(url, {**params, "MessageStatus": "failed"}, signature, TOKEN)
    assert fake.state.messages[0]["status"] == "delivered"


async def test_unreachable_callback_url_is_tolerated(fake: Fake) -> None:
    callback = f"http://127.0.0.1:{free_port()}/status"
    response = await fake.create({"To": SHOPPER, "From": SENDER, "Body": "x", "StatusCallback": callback})
    await fake.state.drain()
    assert response.status_code == 201
    assert [(c["status"], "error" in c) for c in fake.state.callbacks] == [("sent", True), ("delivered", True)]
    assert fake.state.messages[0]["status"] == "delivered"


async def test_a_burst_of_sends_posts_a_bounded_number_of_callbacks_at_once(fake: Fake) -> None:
    """Callbacks wait their turn (at most CALLBACKS_IN_FLIGHT open), and every one still arrives, in order."""
    receiver = Receiver()
    open_now, most_open = 0, 0

    async def slow_endpoint(request: Request) -> PlainTextResponse:
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)
        await asyncio.sleep(0.01)
        open_now -= 1
        return await receiver.endpoint(request)

    app = Starlette(routes=[Route("/status", slow_endpoint, methods=["POST"])])
    async with serve(app) as receiver_base:
        form = {"From": SENDER, "Body": "x", "StatusCallback": f"{receiver_base}/status"}
        sends = [fake.create({**form, "To": f"+1415555{i:04d}"}) for i in range(3 * CALLBACKS_IN_FLIGHT)]
        assert {r.status_code for r in await asyncio.gather(*sends)} == {201}
        await fake.state.drain()
    assert 1 < most_open <= CALLBACKS_IN_FLIGHT
    assert len(receiver.calls) == 2 * 3 * CALLBACKS_IN_FLIGHT
    for message in fake.state.messages:
        statuses = [c[1]["MessageStatus"] for c in receiver.calls if c[1]["MessageSid"] == message["sid"]]
        assert statuses == ["sent", "delivered"]
