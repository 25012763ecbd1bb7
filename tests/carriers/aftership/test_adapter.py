"""AfterShip adapter over `httpx.MockTransport`: list, create-if-missing, 4003, limits and failures."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from carriers.aftership import Adapter
from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status

Handler = Callable[[httpx.Request], httpx.Response]


def tracking(number: str, tag: str = "InTransit") -> dict[str, object]:
    checkpoint = {"checkpoint_time": "2026-05-04T10:00:00+02:00", "tag": tag, "message": "Scan"}
    return {"tracking_number": number, "slug": "dhl", "tag": tag, "subtag": f"{tag}_001", "checkpoints": [checkpoint]}


def listing(numbers: list[str]) -> httpx.Response:
    data = {"pagination": {"total": len(numbers)}, "trackings": [tracking(n) for n in numbers]}
    return httpx.Response(200, json={"meta": {"code": 200}, "data": data})


def meta(code: int, message: str, status: int) -> httpx.Response:
    return httpx.Response(status, json={"meta": {"code": code, "message": message, "type": "BadRequest"}, "data": {}})


def make(handler: Handler, **options: object) -> tuple[Adapter, str]:
    key = f"asat_{uuid.uuid4().hex}"
    account = CarrierAccount(carrier="aftership", credentials={"api_key": key}, options=dict(options))
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler))), key


def asked(request: httpx.Request) -> list[str]:
    return request.url.params["tracking_numbers"].split(",")


async def test_list_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return listing(asked(request))

    adapter, key = make(handler)
    results = await adapter.track(["AB1", "AB2"])
    (request,) = seen
    assert request.method == "GET"
    assert request.url.host == "api.aftership.com" and request.url.path == "/tracking/2025-01/trackings"
    assert request.url.params["tracking_numbers"] == "AB1,AB2"
    assert request.headers["as-api-key"] == key
    assert sorted((r.tracking_number, r.status) for r in results) == [
        ("AB1", Status.IN_TRANSIT),
        ("AB2", Status.IN_TRANSIT),
    ]
    assert results[0].events[0].time.isoformat() == "2026-05-04T08:00:00+00:00"


async def test_batches_split_at_fifty() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(len(asked(request)))
        return listing(asked(request))

    adapter, _ = make(handler)
    results = await adapter.track([f"N{i:03d}" for i in range(120)])
    assert sorted(sizes) == [20, 50, 50]
    assert len(results) == 120 and all(r.ok for r in results)


async def test_missing_numbers_are_created_with_slug() -> None:
    creates: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return listing([n for n in asked(request) if n == "AB1"])
        body = json.loads(request.content)
        creates.append(body)
        return httpx.Response(201, json={"meta": {"code": 201}, "data": tracking(body["tracking_number"], "Pending")})

    adapter, _ = make(handler, carrier="dhl", carriers={"AB3": "ups"})
    results = {r.tracking_number: r for r in await adapter.track(["AB1", "AB2", "AB3"])}
    assert sorted(creates, key=str) == [
        {"slug": "dhl", "tracking_number": "AB2"},
        {"slug": "ups", "tracking_number": "AB3"},
    ]
    assert results["AB2"].status is Status.PENDING
    assert results["AB1"].status is Status.IN_TRANSIT


async def test_create_already_exists_counts_as_success_and_is_reread() -> None:
    gets: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            gets.append(asked(request))
            return listing([]) if len(gets) == 1 else listing(asked(request))
        assert json.loads(request.content) == {"tracking_number": "AB9"}
        return meta(4003, "Tracking already exists.", 400)

    adapter, _ = make(handler)
    (result,) = await adapter.track(["AB9"])
    assert gets == [["AB9"], ["AB9"]]
    assert result.ok and result.status is Status.IN_TRANSIT


async def test_invalid_number_is_soft_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return listing([])
        return meta(4012, "Unable to import shipment as we don't recognize the carrier.", 400)

    adapter, _ = make(handler)
    (result,) = await adapter.track(["???"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message.startswith("4012: Unable to import shipment")


async def test_unauthorized_raises_auth_error() -> None:
    adapter, _ = make(lambda request: meta(401, "The API key is invalid.", 401))
    with pytest.raises(CarrierAuthError, match="API key is invalid"):
        await adapter.track(["AB1"])
    with pytest.raises(CarrierAuthError):
        await adapter.check()


async def test_check_reports_success() -> None:
    adapter, _ = make(lambda request: listing([]))
    assert "accepted" in await adapter.check()


async def test_429_with_retry_after() -> None:
    adapter, _ = make(lambda request: httpx.Response(429, headers={"Retry-After": "2"}))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["AB1"])
    assert caught.value.retry_after == 2.0


async def test_429_with_rate_limit_reset_only() -> None:
    reset = str(int(time.time()) + 3600)
    adapter, _ = make(lambda request: httpx.Response(429, headers={"X-RateLimit-Reset": reset}))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["AB1"])
    assert caught.value.retry_after is not None and 3500 < caught.value.retry_after <= 3600


async def test_429_without_hints() -> None:
    adapter, _ = make(lambda request: httpx.Response(429))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["AB1"])
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_5xx_is_unavailable(status: int) -> None:
    adapter, _ = make(lambda request: httpx.Response(status))
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["AB1"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    adapter, _ = make(handler)
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["AB1"])


@pytest.mark.parametrize(
    "body",
    [
        b"<html>oops</html>",
        b'{"meta": {"code": 200}, "data": {"trackings": [',
        b'{"meta": {"code": 200}, "data": {"trackings": 3}}',
    ],
)
async def test_bad_bodies_become_bad_response_per_number(body: bytes) -> None:
    adapter, _ = make(lambda request: httpx.Response(200, content=body))
    results = await adapter.track(["AB1", "AB2"])
    assert sorted(r.tracking_number for r in results) == ["AB1", "AB2"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)
