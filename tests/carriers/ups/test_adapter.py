"""UPS adapter over a scripted carrier: request shape, token reuse and refresh, throttling and failures."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.ups import Adapter
from tests.carriers.samples import sample
from tests.carriers.ups.scripted import ScriptedCarrier, reply, unique

TOKEN = "/security/v1/oauth/token"
TRACK = "/api/track/v1/details/"
REFUSED = {"response": {"errors": [{"code": "250002", "message": "Invalid Authentication Information."}]}}


def delivered() -> httpx.Response:
    return reply(200, body=sample("ups", "track_response_delivered_postman.json"))


def token_reply(value: str = "tok-1") -> httpx.Response:
    return reply(200, {"token_type": "Bearer", "access_token": value, "expires_in": "14399", "status": "approved"})


def adapter(carrier: ScriptedCarrier, client_id: str | None = None) -> Adapter:
    credentials = {"client_id": client_id or unique("ups"), "client_secret": "s3cret"}
    return Adapter(CarrierAccount(carrier="ups", credentials=credentials), carrier.client())


async def test_request_shape_and_one_number_per_call() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [delivered()]})
    ups = adapter(carrier, client_id="shape-client")
    results = await ups.track(["1Z1442YY7229014688", "1ZB", "1ZC"])

    [token] = carrier.hits(TOKEN)
    assert token.method == "POST"
    assert str(token.url) == "https://onlinetools.ups.com/security/v1/oauth/token"
    assert token.headers["authorization"] == "Basic " + base64.b64encode(b"shape-client:s3cret").decode()
    assert parse_qs(token.content.decode()) == {"grant_type": ["client_credentials"]}

    calls = carrier.hits(TRACK)
    assert sorted(c.url.path for c in calls) == [f"{TRACK}1Z1442YY7229014688", f"{TRACK}1ZB", f"{TRACK}1ZC"]
    first = calls[0]
    assert first.method == "GET"
    assert first.url.host == "onlinetools.ups.com"
    assert dict(first.url.params) == {
        "locale": "en_US",
        "returnSignature": "false",
        "returnMilestones": "false",
        "returnPOD": "false",
    }
    assert first.headers["authorization"] == "Bearer tok-1"
    assert first.headers["transactionSrc"] == "ordertrail"
    assert len({c.headers["transId"] for c in calls}) == 3  # unique per request
    by_number = {r.tracking_number: r for r in results}
    assert by_number["1Z1442YY7229014688"].status is Status.DELIVERED
    # the other two got a reply about another number: never credited with it
    assert by_number["1ZB"].error is ErrorKind.BAD_RESPONSE


async def test_token_is_fetched_once_and_reused_across_calls() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [delivered()]})
    client_id = unique("ups")
    await adapter(carrier, client_id).track(["1Z1442YY7229014688"])
    await adapter(carrier, client_id).track(["1Z1442YY7229014688", "1Z1442YY7229014688"])
    assert len(carrier.hits(TOKEN)) == 1
    assert len(carrier.hits(TRACK)) == 3


async def test_401_refreshes_the_token_once_and_retries_once() -> None:
    tokens = [token_reply("old"), token_reply("new")]
    carrier = ScriptedCarrier({TOKEN: tokens, TRACK: [reply(401, REFUSED), delivered()]})
    [result] = await adapter(carrier).track(["1Z1442YY7229014688"])
    assert result.status is Status.DELIVERED
    assert len(carrier.hits(TOKEN)) == 2
    assert [c.headers["authorization"] for c in carrier.hits(TRACK)] == ["Bearer old", "Bearer new"]


async def test_second_401_is_an_auth_error_with_the_carrier_message() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [reply(401, REFUSED)]})
    with pytest.raises(CarrierAuthError, match="Invalid Authentication Information"):
        await adapter(carrier).track(["1ZA"])
    assert len(carrier.hits(TRACK)) == 2
    assert len(carrier.hits(TOKEN)) == 2


async def test_token_endpoint_refusal_is_an_auth_error() -> None:
    carrier = ScriptedCarrier({TOKEN: [reply(401, body=sample("ups", "error_auth_250003.json"))]})
    with pytest.raises(CarrierAuthError, match="Invalid Access License number"):
        await adapter(carrier).track(["1ZA"])
    assert carrier.hits(TRACK) == []


async def test_invalid_number_400_is_a_not_found_result_for_that_number() -> None:
    invalid = reply(400, body=sample("ups", "error_invalid_inquiry_number_TV1002.json"))
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [invalid]})
    [result] = await adapter(carrier).track(["1ZBAD"])
    assert (result.tracking_number, result.error) == ("1ZBAD", ErrorKind.NOT_FOUND)
    assert "TV1002" in result.error_message


async def test_not_found_warning_names_the_number_asked() -> None:
    warning = reply(200, body=sample("ups", "track_response_not_found_warning_TW0001.json"))
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [warning]})
    [result] = await adapter(carrier).track(["1ZNOTYET"])
    assert (result.tracking_number, result.error) == ("1ZNOTYET", ErrorKind.NOT_FOUND)


@pytest.mark.parametrize(("headers", "expected"), [({}, 60.0), ({"Retry-After": "7"}, 7.0)])
async def test_429_is_rate_limited_with_retry_after(headers: dict[str, str], expected: float) -> None:
    throttled = reply(429, body=sample("ups", "error_429_too_many_requests.json"), headers=headers)
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [throttled]})
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter(carrier).track(["1ZA"])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    "failure",
    [reply(503, {"response": {"errors": [{"code": "9999"}]}}), httpx.ReadTimeout("slow"), httpx.ConnectError("no")],
)
async def test_server_errors_and_timeouts_are_unavailable(failure: httpx.Response | Exception) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [failure]})
    with pytest.raises(CarrierUnavailable):
        await adapter(carrier).track(["1ZA"])


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Maintenance</body></html>", b'{"trackResponse": {"shipm', b'{"trackResponse": {"shipment": 3}}'],
)
async def test_bad_bodies_become_bad_response_results(body: bytes) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [reply(200, body)]})
    [result] = await adapter(carrier).track(["1ZA"])
    assert (result.tracking_number, result.error) == ("1ZA", ErrorKind.BAD_RESPONSE)


async def test_check_reports_token_lifetime_and_refuses_bad_credentials() -> None:
    good = ScriptedCarrier({TOKEN: [token_reply()]})
    assert "239 min" in await adapter(good).check()
    bad = ScriptedCarrier({TOKEN: [reply(401, body=sample("ups", "error_auth_250003.json"))]})
    with pytest.raises(CarrierAuthError):
        await adapter(bad).check()


async def test_missing_credentials_are_an_auth_error_without_any_call() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()]})
    ups = Adapter(CarrierAccount(carrier="ups", credentials={"client_id": unique("ups")}), carrier.client())
    with pytest.raises(CarrierAuthError, match="client_secret"):
        await ups.track(["1ZA"])
    assert carrier.requests == []


def test_published_figures() -> None:
    assert (Adapter.max_batch, Adapter.rate_limit) == (1, None)
