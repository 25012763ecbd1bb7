"""La Poste adapter over httpx.MockTransport: request shape, one call per number, errors and quota."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.laposte import Adapter
from carriers.ratelimit import shared_buckets
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample

Handler = Callable[[httpx.Request], httpx.Response]


def _adapter(handler: Handler, **options: str) -> Adapter:
    account = CarrierAccount(carrier="laposte", credentials={"api_key": f"key-{uuid.uuid4().hex}"}, options=options)
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def _delivered() -> bytes:
    return sample("laposte", "suivi_v2_idships_colissimo_delivered.json")


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=_delivered())

    adapter = _adapter(handler)
    [result] = await adapter.track(["EW112720413FR"])
    assert result.status is Status.DELIVERED
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == "https://api.laposte.fr/suivi/v2/idships/EW112720413FR?lang=en_GB"
    assert request.headers["X-Okapi-Key"] == adapter.account.credentials["api_key"]
    assert request.headers["Accept"] == "application/json"


async def test_language_option_and_one_call_per_number() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, content=_delivered())

    results = await _adapter(handler, lang="fr_FR").track(["6A1", "6A2", "6A3"])
    assert sorted(r.tracking_number for r in results) == ["6A1", "6A2", "6A3"]
    assert sorted(urls) == [f"https://api.laposte.fr/suivi/v2/idships/6A{i}?lang=fr_FR" for i in (1, 2, 3)]


async def test_404_without_body_is_soft_not_found() -> None:
    [result] = await _adapter(lambda r: httpx.Response(404)).track(["6A99999999999"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.tracking_number == "6A99999999999"


async def test_400_invalid_number_keeps_carrier_message() -> None:
    body = sample("laposte", "suivi_v2_error_400_invalid_number.json")
    [result] = await _adapter(lambda r: httpx.Response(400, content=body)).track(["BAD"])
    assert result.tracking_number == "BAD"
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message.startswith("Le numéro")


async def test_401_raises_auth_error_with_carrier_message() -> None:
    body = b'{"code": "UNAUTHORIZED", "message": "Invalid API key"}'
    with pytest.raises(CarrierAuthError, match="Invalid API key"):
        await _adapter(lambda r: httpx.Response(401, content=body)).track(["6A1"])


async def test_429_with_retry_after_pauses_the_account() -> None:
    body = sample("laposte", "suivi_v2_error_schema_incl_429_quota_fields.json")
    adapter = _adapter(lambda r: httpx.Response(429, content=body, headers={"Retry-After": "7"}))
    with pytest.raises(CarrierRateLimited, match="max quota reached") as caught:
        await adapter.track(["6A1"])
    assert caught.value.retry_after == 7.0
    bucket = shared_buckets.get(f"{adapter.account.key}:track", 100, 60.0)
    assert bucket.blocked_until > time.monotonic() + 5


async def test_429_without_retry_after_waits_for_the_quota_window() -> None:
    adapter = _adapter(lambda r: httpx.Response(429))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["6A1"])
    assert caught.value.retry_after == 60.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_unavailable(status: int) -> None:
    with pytest.raises(CarrierUnavailable):
        await _adapter(lambda r: httpx.Response(status)).track(["6A1"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierUnavailable):
        await _adapter(handler).track(["6A1"])


@pytest.mark.parametrize(
    "body", [b"<html>maintenance</html>", b'{"returnCode": 200, "shipment": {', b'{"something": "else"}']
)
async def test_bad_bodies_become_bad_response_results(body: bytes) -> None:
    results = await _adapter(lambda r: httpx.Response(200, content=body)).track(["6A1", "6A2"])
    assert sorted(r.tracking_number for r in results) == ["6A1", "6A2"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)


async def test_check_accepts_a_key_that_gets_a_not_found() -> None:
    body = sample("laposte", "suivi_v2_error_400_invalid_number.json")
    message = await _adapter(lambda r: httpx.Response(400, content=body)).check()
    assert "accepted" in message


async def test_check_refuses_a_bad_key() -> None:
    with pytest.raises(CarrierAuthError):
        await _adapter(lambda r: httpx.Response(403, content=b'{"message": "Forbidden"}')).check()
