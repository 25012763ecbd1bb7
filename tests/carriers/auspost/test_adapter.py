"""Australia Post adapter over httpx.MockTransport: request shape, batches of 10, auth, throttling, failures."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable

import httpx
import pytest

from carriers.auspost import Adapter
from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample

Handler = Callable[[httpx.Request], httpx.Response]


def _adapter(handler: Handler) -> Adapter:
    credentials = {"account_number": "0007654321", "api_key": f"k{uuid.uuid4().hex}", "password": "pw"}
    account = CarrierAccount(carrier="auspost", credentials=credentials)
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def _echo(request: httpx.Request) -> httpx.Response:
    """A carrier that knows every id it is asked about and has nothing to say on any."""
    ids = request.url.params["tracking_ids"].split(",")
    results = [{"tracking_id": i, "trackable_items": [{"article_id": i, "events": []}]} for i in ids]
    return httpx.Response(200, json={"tracking_results": results})


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sample("australiapost", "shipping_v1_track_multi_ids.json"))

    adapter = _adapter(handler)
    numbers = ["ET123456789AU", "LX123456789US", "00123456789000123400"]
    results = await adapter.track(numbers)
    assert {r.tracking_number: r.status for r in results}["LX123456789US"] is Status.DELIVERED
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == (
        "https://digitalapi.auspost.com.au/shipping/v1/track?tracking_ids=ET123456789AU,LX123456789US,00123456789000123400"
    )
    assert request.headers["Account-Number"] == "0007654321"
    key = adapter.account.credentials["api_key"]
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{key}:pw".encode()).decode()


async def test_batches_hold_at_most_ten_ids() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(len(request.url.params["tracking_ids"].split(",")))
        return _echo(request)

    numbers = [f"ID{i:03d}" for i in range(23)]
    results = await _adapter(handler).track(numbers)
    assert sorted(sizes) == [3, 10, 10]
    assert sorted(r.tracking_number for r in results) == numbers
    assert all(r.ok and r.status is Status.PENDING for r in results)


async def test_per_id_error_and_missing_id_in_the_same_reply() -> None:
    body = sample("australiapost", "shipping_v1_track_per_id_error.json")
    results = await _adapter(lambda r: httpx.Response(200, content=body)).track(["7XX1000", "7XX2000"])
    by_number = {r.tracking_number: r for r in results}
    assert by_number["7XX1000"].error is ErrorKind.NOT_FOUND
    assert by_number["7XX2000"].error is ErrorKind.BAD_RESPONSE


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_raise_auth_error(status: int) -> None:
    body = b'{"errors": [{"code": "401", "name": "UNAUTHORISED", "message": "Bad API key"}]}'
    with pytest.raises(CarrierAuthError, match="Bad API key"):
        await _adapter(lambda r: httpx.Response(status, content=body)).track(["A"])


async def test_429_with_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429, headers={"Retry-After": "12"})).track(["A"])
    assert caught.value.retry_after == 12.0


async def test_429_without_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429)).track(["A"])
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_server_errors_are_unavailable(status: int) -> None:
    with pytest.raises(CarrierUnavailable):
        await _adapter(lambda r: httpx.Response(status)).track(["A"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(CarrierUnavailable):
        await _adapter(handler).track(["A"])


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b'{"tracking_results": [', b'{"tracking_results": 5}', b'{"errors": []}'],
)
async def test_bad_bodies_become_bad_response_for_every_number(body: bytes) -> None:
    results = await _adapter(lambda r: httpx.Response(200, content=body)).track(["A", "B", "C"])
    assert sorted(r.tracking_number for r in results) == ["A", "B", "C"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)


async def test_check_accepts_credentials_that_get_a_per_id_error() -> None:
    body = sample("australiapost", "shipping_v1_track_per_id_error.json")
    assert "accepted" in await _adapter(lambda r: httpx.Response(200, content=body)).check()


async def test_check_refuses_bad_credentials() -> None:
    with pytest.raises(CarrierAuthError):
        await _adapter(lambda r: httpx.Response(401)).check()
