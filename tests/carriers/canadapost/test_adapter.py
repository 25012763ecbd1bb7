"""Canada Post adapter over httpx.MockTransport: request shape, Basic auth, messages, throttling, failures."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.canadapost import Adapter
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample

Handler = Callable[[httpx.Request], httpx.Response]


def _adapter(handler: Handler) -> Adapter:
    credentials = {"username": f"user-{uuid.uuid4().hex[:8]}", "password": "secret"}
    account = CarrierAccount(carrier="canadapost", credentials=credentials)
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def _xml(status: int, name: str) -> Handler:
    return lambda request: httpx.Response(status, content=sample("canadapost", name))


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sample("canadapost", "tracking_details_delivered.xml"))

    adapter = _adapter(handler)
    [result] = await adapter.track(["1371134583769923"])
    assert result.status is Status.DELIVERED and result.signed_by == "HETU"
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == "https://soa-gw.canadapost.ca/vis/track/pin/1371134583769923/detail"
    assert request.headers["Accept"] == "application/vnd.cpc.track-v2+xml"
    assert request.headers["Accept-language"] == "en-CA"
    user = adapter.account.credentials["username"]
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{user}:secret".encode()).decode()


async def test_one_call_per_pin_and_results_keyed_by_asked_number() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(request.url.path)
        return httpx.Response(200, content=sample("canadapost", "tracking_details_delivered.xml"))

    results = await _adapter(handler).track(["1111111111111111", "2222222222222222"])
    assert sorted(r.tracking_number for r in results) == ["1111111111111111", "2222222222222222"]
    assert sorted(urls) == ["/vis/track/pin/1111111111111111/detail", "/vis/track/pin/2222222222222222/detail"]


@pytest.mark.parametrize("status", [200, 404])
async def test_no_pin_history_is_soft_not_found(status: int) -> None:
    [result] = await _adapter(_xml(status, "tracking_error_messages.xml")).track(["1234567890123456"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.tracking_number == "1234567890123456"
    assert result.error_message == "004 No Pin History"


@pytest.mark.parametrize("status", [200, 401])
async def test_e002_raises_auth_error(status: int) -> None:
    with pytest.raises(CarrierAuthError, match="E002 AAA Authentication Failure"):
        await _adapter(_xml(status, "auth_error_E002.xml")).track(["1234567890123456"])


async def test_429_is_rate_limited_with_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429, headers={"Retry-After": "30"})).track(["1"])
    assert caught.value.retry_after == 30.0


async def test_429_without_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429)).track(["1"])
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_unavailable(status: int) -> None:
    with pytest.raises(CarrierUnavailable):
        await _adapter(lambda r: httpx.Response(status)).track(["1"])


async def test_connection_failure_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(CarrierUnavailable):
        await _adapter(handler).track(["1"])


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"<tracking-detail><pin>12", b'{"json": true}'])
async def test_bad_bodies_become_bad_response_results(body: bytes) -> None:
    results = await _adapter(lambda r: httpx.Response(200, content=body)).track(["1", "2"])
    assert sorted(r.tracking_number for r in results) == ["1", "2"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)


async def test_check_accepts_credentials_that_get_no_pin_history() -> None:
    assert "accepted" in await _adapter(_xml(404, "tracking_error_messages.xml")).check()


async def test_check_refuses_bad_credentials() -> None:
    with pytest.raises(CarrierAuthError):
        await _adapter(_xml(401, "auth_error_E002.xml")).check()
