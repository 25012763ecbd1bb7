"""FedEx adapter over a scripted carrier: batches of 30, token reuse and refresh, quotas and failures."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.fedex import Adapter
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.times import seconds_until_utc_midnight
from tests.carriers.samples import sample
from tests.carriers.ups.scripted import ScriptedCarrier, reply, unique

TOKEN = "/oauth/token"
TRACK = "/track/v1/trackingnumbers"


def token_reply(value: str = "tok-1") -> httpx.Response:
    return reply(200, {"access_token": value, "token_type": "bearer", "expires_in": 3599, "scope": "CXS-TP"})


def not_found_for(request: httpx.Request) -> httpx.Response:
    """Echo each asked number back as not found, like FedEx does for unknown numbers."""
    asked = [i["trackingNumberInfo"]["trackingNumber"] for i in json.loads(request.content)["trackingInfo"]]
    error = {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "not found"}
    entries = [{"trackingNumber": n, "trackResults": [{"error": error}]} for n in asked]
    return reply(200, {"output": {"completeTrackResults": entries}})


def adapter(carrier: ScriptedCarrier, client_id: str | None = None) -> Adapter:
    credentials = {"client_id": client_id or unique("fedex"), "client_secret": "s3cret"}
    return Adapter(CarrierAccount(carrier="fedex", credentials=credentials), carrier.client())


async def test_request_shape_and_batches_of_thirty() -> None:
    numbers = [f"7000000000{i:02d}" for i in range(61)]
    carrier = ScriptedCarrier({TOKEN: [token_reply()]})
    fedex = adapter(carrier, client_id="fx-shape")
    transport = httpx.MockTransport(lambda r: not_found_for(r) if r.url.path == TRACK else carrier.handle(r))
    fedex.client = httpx.AsyncClient(transport=transport)
    results = await fedex.track(numbers)

    [token] = carrier.hits(TOKEN)
    assert (token.method, str(token.url)) == ("POST", "https://apis.fedex.com/oauth/token")
    form = parse_qs(token.content.decode())
    assert form == {"grant_type": ["client_credentials"], "client_id": ["fx-shape"], "client_secret": ["s3cret"]}
    assert len(results) == 61
    assert {r.error for r in results} == {ErrorKind.NOT_FOUND}
    assert sorted(r.tracking_number for r in results) == numbers


async def test_post_body_and_headers() -> None:
    carrier = ScriptedCarrier(
        {TOKEN: [token_reply()], TRACK: [reply(200, sample("fedex", "track_response_delivered_ground_real.json"))]}
    )
    [result] = await adapter(carrier).track(["738488882438"])
    [call] = carrier.hits(TRACK)
    assert (call.method, call.url.host) == ("POST", "apis.fedex.com")
    assert call.headers["authorization"] == "Bearer tok-1"
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-locale"] == "en_US"
    assert json.loads(call.content) == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": "738488882438"}}],
    }
    assert result.status is Status.DELIVERED


async def test_batch_sizes_never_exceed_thirty() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN:
            return token_reply()
        sizes.append(len(json.loads(request.content)["trackingInfo"]))
        return not_found_for(request)

    fedex = adapter(ScriptedCarrier({}))
    fedex.client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    await fedex.track([str(n) for n in range(75)])
    assert sorted(sizes) == [15, 30, 30]


async def test_token_is_cached_across_calls_and_refreshed_once_on_401() -> None:
    expired = reply(
        401, body=json.dumps(json.loads(sample("fedex", "error_examples_by_http_status_openapi.json"))["401"]).encode()
    )
    carrier = ScriptedCarrier(
        {
            TOKEN: [token_reply("a"), token_reply("b")],
            TRACK: [
                reply(200, {"output": {"completeTrackResults": []}}),
                expired,
                reply(200, {"output": {"completeTrackResults": []}}),
            ],
        }
    )
    client_id = unique("fedex")
    await adapter(carrier, client_id).track(["1"])
    await adapter(carrier, client_id).track(["2"])
    assert len(carrier.hits(TOKEN)) == 2
    assert [c.headers["authorization"] for c in carrier.hits(TRACK)] == ["Bearer a", "Bearer a", "Bearer b"]


async def test_second_401_raises_auth_error_with_the_message() -> None:
    expired = reply(401, {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Access token expired."}]})
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [expired]})
    with pytest.raises(CarrierAuthError, match="Access token expired"):
        await adapter(carrier).track(["1"])


async def test_token_refusal_raises_auth_error() -> None:
    refused = reply(
        401, {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "The given client credentials were not valid."}]}
    )
    carrier = ScriptedCarrier({TOKEN: [refused]})
    with pytest.raises(CarrierAuthError, match="client credentials were not valid"):
        await adapter(carrier).check()


@pytest.mark.parametrize(("headers", "expected"), [({}, 60.0), ({"Retry-After": "3"}, 3.0)])
async def test_429_with_and_without_retry_after(headers: dict[str, str], expected: float) -> None:
    throttled = reply(429, {"errors": [{"code": "RATE.LIMIT.EXCEEDED", "message": "Too many requests"}]}, headers)
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [throttled]})
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter(carrier).track(["1"])
    assert caught.value.retry_after == expected


async def test_daily_quota_pauses_until_gmt_midnight() -> None:
    message = "Too many requests - Daily transaction quota exceeded. Retry after 12:00AM GMT"
    carrier = ScriptedCarrier(
        {TOKEN: [token_reply()], TRACK: [reply(429, {"errors": [{"code": "X", "message": message}]})]}
    )
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter(carrier).track(["1"])
    assert caught.value.retry_after is not None
    assert abs(caught.value.retry_after - seconds_until_utc_midnight()) < 5


async def test_request_level_400_fails_every_number_of_the_batch() -> None:
    carrier = ScriptedCarrier(
        {TOKEN: [token_reply()], TRACK: [reply(400, body=sample("fedex", "error_400_tracking_number_empty.json"))]}
    )
    results = await adapter(carrier).track(["1", "2"])
    assert [(r.tracking_number, r.error) for r in results] == [
        ("1", ErrorKind.BAD_RESPONSE),
        ("2", ErrorKind.BAD_RESPONSE),
    ]
    assert "TRACKING.TRACKINGNUMBER.EMPTY" in results[0].error_message


@pytest.mark.parametrize(
    "failure", [reply(500, {}), reply(503, {}), httpx.ReadTimeout("slow"), httpx.ConnectError("down")]
)
async def test_server_errors_and_timeouts_are_unavailable(failure: httpx.Response | Exception) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [failure]})
    with pytest.raises(CarrierUnavailable):
        await adapter(carrier).track(["1"])


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"output": {"completeTrack', b'{"output": []}'])
async def test_bad_bodies_become_bad_response_for_every_number(body: bytes) -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()], TRACK: [reply(200, body)]})
    results = await adapter(carrier).track(["1", "2", "3"])
    assert sorted((r.tracking_number, r.error) for r in results) == [(n, ErrorKind.BAD_RESPONSE) for n in "123"]


async def test_check_fetches_a_token() -> None:
    carrier = ScriptedCarrier({TOKEN: [token_reply()]})
    assert "FedEx" in await adapter(carrier).check()
    assert len(carrier.hits(TOKEN)) == 1


def test_published_figures() -> None:
    assert (Adapter.max_batch, Adapter.rate_limit) == (30, (1400, 10.0))
