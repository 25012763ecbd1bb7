"""USPS adapter over a scripted carrier: request shape, token reuse and refresh, 400 not found, throttling."""

from __future__ import annotations

import json

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.usps import Adapter
from tests.carriers.samples import sample
from tests.carriers.ups.scripted import ScriptedCarrier, reply, unique

TOKEN = "/oauth2/v3/token"
TRACK = "/tracking/v3/tracking/"


def token_reply(value: str = "jwt-1") -> httpx.Response:
    return reply(200, {"access_token": value, "token_type": "Bearer", "expires_in": "28799", "status": "approved"})


def delivered() -> httpx.Response:
    return reply(200, body=sample("usps", "v3_tracking_detail_delivered_mailbox_real.json"))


def adapter(carrier: ScriptedCarrier, client_id: str | None = None) -> Adapter:
    credentials = {"client_id": client_id or unique("usps"), "client_secret": "s3cret"}
    return Adapter(CarrierAccount(carrier="usps", credentials=credentials), carrier.client())


async def test_request_shape_one_number_per_call_and_one_token() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [delivered()]})
    results = await adapter(carrier, client_id="usps-shape").track(["9261290289104185136058", "9400B"])
    [token] = carrier.hits(TOKEN)
    assert (token.method, str(token.url)) == ("POST", "https://apis.usps.com/oauth2/v3/token")
    assert json.loads(token.content) == {
        "client_id": "usps-shape",
        "client_secret": "s3cret",
        "grant_type": "client_credentials",
    }
    calls = carrier.hits(TRACK)
    assert sorted(c.url.path for c in calls) == [f"{TRACK}9261290289104185136058", f"{TRACK}9400B"]
    assert all(c.method == "GET" and dict(c.url.params) == {"expand": "DETAIL"} for c in calls)
    assert all(c.headers["authorization"] == "Bearer jwt-1" for c in calls)
    by_number = {r.tracking_number: r for r in results}
    assert by_number["9261290289104185136058"].status is Status.DELIVERED


async def test_not_found_400_is_a_per_number_result() -> None:
    missing = reply(400, body=sample("usps", "v3_error_400_status_not_yet_available.json"))
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [missing]})
    [result] = await adapter(carrier).track(["9400NOTYET"])
    assert (result.tracking_number, result.error) == ("9400NOTYET", ErrorKind.NOT_FOUND)


async def test_token_reused_and_401_refreshes_once() -> None:
    unauthorized = reply(401, {"error": {"code": "401", "message": "Unauthorized"}}, {"WWW-Authenticate": "Bearer"})
    carrier = ScriptedCarrier(
        {TOKEN: [token_reply("a"), token_reply("b")], TRACK: [delivered(), unauthorized, delivered()]}
    )
    client_id = unique("usps")
    await adapter(carrier, client_id).track(["9261290289104185136058"])
    [result] = await adapter(carrier, client_id).track(["9261290289104185136058"])
    assert result.status is Status.DELIVERED
    assert len(carrier.hits(TOKEN)) == 2
    assert [c.headers["authorization"] for c in carrier.hits(TRACK)] == ["Bearer a", "Bearer a", "Bearer b"]


async def test_second_401_is_an_auth_error() -> None:
    unauthorized = reply(401, {"error": {"code": "401", "message": "Unauthorized"}})
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [unauthorized]})
    with pytest.raises(CarrierAuthError, match="Unauthorized"):
        await adapter(carrier).track(["9400A"])


async def test_token_refusal_carries_the_oauth_description() -> None:
    carrier = ScriptedCarrier({TOKEN: [reply(401, body=sample("usps", "v3_oauth_error_invalid_client.json"))]})
    with pytest.raises(CarrierAuthError, match="Client authentication failed"):
        await adapter(carrier).check()


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "120"}, 120.0), ({}, 60.0)])
async def test_429_honours_retry_after(headers: dict[str, str], expected: float) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [reply(429, {}, headers)]})
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter(carrier).track(["9400A"])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("failure", [reply(503, {}, {"Retry-After": "30"}), httpx.ConnectTimeout("slow")])
async def test_unavailable(failure: httpx.Response | Exception) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [failure]})
    with pytest.raises(CarrierUnavailable):
        await adapter(carrier).track(["9400A"])


@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b'{"trackingNumber": "94', b'{"a": 1}'])
async def test_bad_bodies_become_bad_response(body: bytes) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [reply(200, body)]})
    [result] = await adapter(carrier).track(["9400A"])
    assert (result.tracking_number, result.error) == ("9400A", ErrorKind.BAD_RESPONSE)


async def test_check_reports_success() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()]})
    assert "USPS" in await adapter(carrier).check()


def test_published_figures() -> None:
    assert (Adapter.max_batch, Adapter.rate_limit) == (1, (60, 3600.0))
