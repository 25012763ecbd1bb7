"""Shippo adapter over `httpx.MockTransport`: GET, register on 404, throttling and failures."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.shippo import Adapter
from carriers.status import Status
from tests.carriers.samples import sample

FIXTURES = Path(__file__).parent / "fixtures"
Handler = Callable[[httpx.Request], httpx.Response]
TRACK = (FIXTURES / "track_attempted_substatus.json").read_bytes()


def make(handler: Handler, *, test_key: bool = True, **options: object) -> tuple[Adapter, str]:
    key = f"shippo_{'test' if test_key else 'live'}_{uuid.uuid4().hex}"
    options = {"carrier": "ups", **options}
    account = CarrierAccount(carrier="shippo", credentials={"api_key": key}, options=options)
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler))), key


def track_for(number: str) -> bytes:
    doc = json.loads(TRACK)
    doc["tracking_number"] = number
    return json.dumps(doc).encode()


def recorded(name: str) -> httpx.Response:
    doc = json.loads(sample("shippo", name))
    if "response_body_raw" in doc:
        return httpx.Response(doc["response_status"], text=doc["response_body_raw"])
    return httpx.Response(doc["response_status"], json=doc["response_body"])


async def test_get_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=track_for("1ZA"))

    adapter, key = make(handler)
    (result,) = await adapter.track(["1ZA"])
    assert [(r.method, str(r.url)) for r in seen] == [("GET", "https://api.goshippo.com/tracks/ups/1ZA")]
    assert seen[0].headers["authorization"] == f"ShippoToken {key}"
    assert result.status is Status.FAILED_ATTEMPT


async def test_one_call_per_number_with_per_number_carrier() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, content=track_for(request.url.path.rsplit("/", 1)[1]))

    adapter, _ = make(handler, carriers={"9400": "usps"})
    results = await adapter.track(["1ZA", "9400", "1ZB"])
    assert Adapter.max_batch == 1
    assert sorted(paths) == ["/tracks/ups/1ZA", "/tracks/ups/1ZB", "/tracks/usps/9400"]
    assert all(r.ok for r in results)


async def test_unknown_number_404_html_registers_then_soft_not_found() -> None:
    calls: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.path))
        if request.method == "GET":
            return recorded("tracks_get_unknown_number_404_html.json")
        assert json.loads(request.content) == {"carrier": "ups", "tracking_number": "EXAMPLEOFINVALID123TRACKINGNUMBER"}
        return recorded("tracks_post_unknown_number_201_null_status.json")

    adapter, _ = make(handler)
    (result,) = await adapter.track(["EXAMPLEOFINVALID123TRACKINGNUMBER"])
    assert calls == [("GET", "/tracks/ups/EXAMPLEOFINVALID123TRACKINGNUMBER"), ("POST", "/tracks/")]
    assert result.error is ErrorKind.NOT_FOUND


async def test_repeated_registration_never_fails_the_poll() -> None:
    posts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        if request.method == "GET":
            return httpx.Response(404, text="<h1>Not Found</h1>")
        posts += 1
        return httpx.Response(201, content=track_for("1ZR"))

    adapter, _ = make(handler)
    first = await adapter.track(["1ZR"])
    second = await adapter.track(["1ZR"])
    assert posts == 2
    assert first[0].ok and second[0].ok and second[0].status is Status.FAILED_ATTEMPT


async def test_unsupported_carrier_is_not_found_with_message() -> None:
    adapter, _ = make(lambda request: recorded("tracks_get_unsupported_carrier_400.json"))
    (result,) = await adapter.track(["9205590164917337534322"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message == "Carrier with name 'EXAMPLE_OF_INVALID_CARRIER' is not supported."


async def test_missing_carrier_makes_no_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    key = f"shippo_test_{uuid.uuid4().hex}"
    account = CarrierAccount(carrier="shippo", credentials={"api_key": key})
    adapter = Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    (result,) = await adapter.track(["1ZA"])
    assert calls == []
    assert result.error is ErrorKind.NOT_FOUND and "carrier" in result.error_message


async def test_unauthorized_raises_auth_error() -> None:
    adapter, _ = make(lambda request: httpx.Response(401, json={"detail": "Invalid token."}))
    with pytest.raises(CarrierAuthError, match="Invalid token"):
        await adapter.track(["1ZA"])
    with pytest.raises(CarrierAuthError):
        await adapter.check()


async def test_check_reports_mode() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []})

    adapter, _ = make(handler, test_key=False)
    assert "live" in await adapter.check()
    assert seen[0].url.path == "/carrier_accounts/"


def test_limits_follow_key_mode() -> None:
    live, _ = make(lambda request: httpx.Response(200), test_key=False)
    test, _ = make(lambda request: httpx.Response(200))
    assert live._limit("track") == (500, 60.0) and live._limit("register") == (750, 60.0)
    assert test._limit("track") == (50, 60.0) and test._limit("register") == (50, 60.0)


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "30"}, 30.0), ({}, None)])
async def test_429_raises_rate_limited(headers: dict[str, str], expected: float | None) -> None:
    adapter, _ = make(lambda request: httpx.Response(429, headers=headers))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["1ZA"])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_unavailable(status: int) -> None:
    adapter, _ = make(lambda request: httpx.Response(status))
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["1ZA"])


async def test_connection_error_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no route", request=request)

    adapter, _ = make(handler)
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["1ZA"])


@pytest.mark.parametrize(
    "body", [b"<html>maintenance</html>", b'{"tracking_number": "1ZA", "tracking_st', b'{"tracking_number": 5}']
)
async def test_bad_bodies_become_bad_response(body: bytes) -> None:
    adapter, _ = make(lambda request: httpx.Response(200, content=body))
    (result,) = await adapter.track(["1ZA"])
    assert result.tracking_number == "1ZA"
    assert result.error is ErrorKind.BAD_RESPONSE


async def test_a_429_pauses_only_its_own_account() -> None:
    from carriers.ratelimit import shared_buckets

    limited, _ = make(lambda request: httpx.Response(429, headers={"Retry-After": "3600"}))
    other, _ = make(lambda request: httpx.Response(200, content=track_for("1ZA")))
    with pytest.raises(CarrierRateLimited):
        await limited.track(["1ZA"])
    assert limited._bucket("track") != other._bucket("track")
    assert shared_buckets.get(other._bucket("track"), 50, 60.0).blocked_until == 0.0
    assert shared_buckets.get(limited._bucket("track"), 50, 60.0).blocked_until > 0.0
    (result,) = await other.track(["1ZA"])
    assert result.ok
