"""Royal Mail adapter over httpx.MockTransport: IBM headers, terms header, errors, throttling, failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.royalmail import Adapter
from carriers.status import Status
from tests.carriers.samples import sample

Handler = Callable[[httpx.Request], httpx.Response]
NOT_FOUND_BODY = b'{"httpCode": "404", "httpMessage": "Not Found", "errors": [{"errorCode": "E1142", "errorDescription": "Tracking number not recognised"}]}'  # noqa: E501


def _adapter(handler: Handler) -> Adapter:
    credentials = {"client_id": f"id-{uuid.uuid4().hex}", "client_secret": "shh"}
    account = CarrierAccount(carrier="royalmail", credentials=credentials)
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def _terms_enforcing_gateway(request: httpx.Request) -> httpx.Response:
    """Answers like Royal Mail's gateway: E0004 without the terms header, the doc example with it."""
    if request.headers.get("X-Accept-RMG-Terms") != "yes":
        return httpx.Response(400, content=sample("royalmail", "error_400_E0004_missing_terms_header.json"))
    return httpx.Response(200, content=sample("royalmail", "mailpieces_v2_events_doc_example.json"))


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _terms_enforcing_gateway(request)

    adapter = _adapter(handler)
    [result] = await adapter.track(["FQ087430672GB"])
    assert result.tracking_number == "FQ087430672GB"
    assert result.status is Status.IN_TRANSIT
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == "https://api.royalmail.net/mailpieces/v2/FQ087430672GB/events"
    assert request.headers["X-IBM-Client-Id"] == adapter.account.credentials["client_id"]
    assert request.headers["X-IBM-Client-Secret"] == "shh"
    assert request.headers["X-Accept-RMG-Terms"] == "yes"
    assert request.headers["Accept"] == "application/json"


async def test_one_call_per_mail_piece() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return _terms_enforcing_gateway(request)

    results = await _adapter(handler).track(["AA1", "AA2", "AA3"])
    assert sorted(r.tracking_number for r in results) == ["AA1", "AA2", "AA3"]
    assert sorted(paths) == [f"/mailpieces/v2/AA{i}/events" for i in (1, 2, 3)]


async def test_e0004_raises_with_the_carrier_message() -> None:
    body = sample("royalmail", "error_400_E0004_missing_terms_header.json")
    with pytest.raises(CarrierAuthError, match="E0004 Failed header validation for X-Accept-RMG-Terms"):
        await _adapter(lambda r: httpx.Response(400, content=body)).track(["AA1"])


async def test_unknown_mail_piece_is_soft_not_found() -> None:
    [result] = await _adapter(lambda r: httpx.Response(404, content=NOT_FOUND_BODY)).track(["AA1"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message == "E1142 Tracking number not recognised"


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_client_raises_auth_error(status: int) -> None:
    body = b'{"httpCode": "401", "httpMessage": "Unauthorized", "moreInformation": "Client id not registered."}'
    with pytest.raises(CarrierAuthError):
        await _adapter(lambda r: httpx.Response(status, content=body)).track(["AA1"])


async def test_429_with_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429, headers={"Retry-After": "3"})).track(["AA1"])
    assert caught.value.retry_after == 3.0


async def test_429_without_retry_after() -> None:
    with pytest.raises(CarrierRateLimited) as caught:
        await _adapter(lambda r: httpx.Response(429)).track(["AA1"])
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_unavailable(status: int) -> None:
    with pytest.raises(CarrierUnavailable):
        await _adapter(lambda r: httpx.Response(status)).track(["AA1"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierUnavailable):
        await _adapter(handler).track(["AA1"])


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b'{"mailPieces": {', b'{"mailPieces": []}'])
async def test_bad_bodies_become_bad_response_results(body: bytes) -> None:
    results = await _adapter(lambda r: httpx.Response(200, content=body)).track(["AA1", "AA2"])
    assert sorted(r.tracking_number for r in results) == ["AA1", "AA2"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)


async def test_check_accepts_a_client_that_gets_not_found() -> None:
    assert "accepted" in await _adapter(lambda r: httpx.Response(404, content=NOT_FOUND_BODY)).check()


async def test_check_refuses_a_bad_client() -> None:
    with pytest.raises(CarrierAuthError):
        await _adapter(lambda r: httpx.Response(401)).check()
