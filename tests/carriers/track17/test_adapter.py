"""17TRACK adapter over `httpx.MockTransport`: read, register-if-missing, batching, quotas and failures."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.track17 import Adapter

Handler = Callable[[httpx.Request], httpx.Response]


def info(number: str) -> dict[str, Any]:
    event = {"time_utc": "2026-05-04T08:00:00Z", "time_iso": "2026-05-04T10:00:00+02:00", "description": "Scan"}
    return {
        "number": number,
        "carrier": 100002,
        "track_info": {
            "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
            "tracking": {"providers": [{"events": [event]}]},
        },
    }


def reply(accepted: list[dict[str, Any]], rejected: list[dict[str, Any]] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "data": {"accepted": accepted, "rejected": rejected or []}})


def rejected(number: str, code: int, message: str = "refused") -> dict[str, Any]:
    return {"number": number, "error": {"code": code, "message": message}}


def numbers_in(request: httpx.Request) -> list[str]:
    return [item["number"] for item in json.loads(request.content)]


def make(handler: Handler, **options: object) -> tuple[Adapter, str]:
    key = f"17k{uuid.uuid4().hex}"
    account = CarrierAccount(carrier="track17", credentials={"api_key": key}, options=dict(options))
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler))), key


async def test_gettrackinfo_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply([info(n) for n in numbers_in(request)])

    adapter, key = make(handler, carrier=100002, carriers={"B2": "21051"})
    results = await adapter.track(["A1", "B2"])
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.17track.net/track/v2.2/gettrackinfo"
    assert request.headers["17token"] == key
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == [{"number": "A1", "carrier": 100002}, {"number": "B2", "carrier": 21051}]
    assert all(r.status is Status.IN_TRANSIT for r in results)


async def test_batches_split_at_forty() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(len(numbers_in(request)))
        return reply([info(n) for n in numbers_in(request)])

    adapter, _ = make(handler)
    results = await adapter.track([f"N{i:03d}" for i in range(Adapter.max_batch + 1)])
    assert sorted(sizes) == [1, 40]
    assert len(results) == 41 and all(r.ok for r in results)


async def test_unregistered_numbers_are_registered_then_read() -> None:
    calls: list[tuple[str, list[str]]] = []
    registered: set[str] = {"A1"}

    def handler(request: httpx.Request) -> httpx.Response:
        asked = numbers_in(request)
        calls.append((request.url.path.rsplit("/", 1)[1], asked))
        if request.url.path.endswith("/register"):
            registered.update(asked)
            return reply([{"number": n, "carrier": 100002} for n in asked])
        known = [info(n) for n in asked if n in registered]
        return reply(known, [rejected(n, -18019902, "not registered") for n in asked if n not in registered])

    adapter, _ = make(handler)
    results = {r.tracking_number: r for r in await adapter.track(["A1", "B2", "C3"])}
    assert calls == [("gettrackinfo", ["A1", "B2", "C3"]), ("register", ["B2", "C3"]), ("gettrackinfo", ["B2", "C3"])]
    assert all(r.ok for r in results.values())


async def test_already_registered_counts_as_success() -> None:
    reads: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/register"):
            return reply([], [rejected("B2", -18019901, "The tracking number has been registered.")])
        reads.append(numbers_in(request))
        return reply([], [rejected("B2", -18019902)]) if len(reads) == 1 else reply([info("B2")])

    adapter, _ = make(handler)
    (result,) = await adapter.track(["B2"])
    assert reads == [["B2"], ["B2"]]
    assert result.ok and result.status is Status.IN_TRANSIT


async def test_register_refusal_is_soft_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/register"):
            return reply([], [rejected("ZZ", -18019903, "Carrier cannot be detected.")])
        return reply([], [rejected("ZZ", -18019902)])

    adapter, _ = make(handler)
    (result,) = await adapter.track(["ZZ"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message == "-18019903: Carrier cannot be detected."


async def test_invalid_key_raises_auth_error() -> None:
    body = {"code": -18010002, "data": {"errors": [{"code": -18010002, "message": "Invalid security key."}]}}
    adapter, _ = make(lambda request: httpx.Response(200, json=body))
    with pytest.raises(CarrierAuthError, match="Invalid security key"):
        await adapter.track(["A1"])
    with pytest.raises(CarrierAuthError):
        await adapter.check()


async def test_http_401_raises_auth_error() -> None:
    adapter, _ = make(lambda request: httpx.Response(401, text="Unauthorized"))
    with pytest.raises(CarrierAuthError):
        await adapter.track(["A1"])


async def test_check_reports_success() -> None:
    adapter, _ = make(lambda request: reply([], [rejected("ORDERTRAILCHECK", -18019902)]))
    assert "accepted" in await adapter.check()


async def test_daily_limit_pauses_until_utc_midnight() -> None:
    body = {"code": -18019907, "data": {"errors": [{"code": -18019907, "message": "Daily limit exceeded."}]}}
    adapter, _ = make(lambda request: httpx.Response(200, json=body))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["A1"])
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 86400


async def test_quota_exhausted_on_register_raises_rate_limited() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/register"):
            return reply([], [rejected("A1", -18019908, "Quota exhausted.")])
        return reply([], [rejected("A1", -18019902)])

    adapter, _ = make(handler)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["A1"])
    assert caught.value.retry_after == 3600.0


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "5"}, 5.0), ({}, None)])
async def test_429(headers: dict[str, str], expected: float | None) -> None:
    adapter, _ = make(lambda request: httpx.Response(429, headers=headers))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["A1"])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_unavailable(status: int) -> None:
    adapter, _ = make(lambda request: httpx.Response(status))
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["A1"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("down", request=request)

    adapter, _ = make(handler)
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["A1"])


@pytest.mark.parametrize(
    "body",
    [b"<html>gateway</html>", b'{"code": 0, "data": {"accepted": [{"number": "A1", "tr', b'{"code": 0, "data": 7}'],
)
async def test_bad_bodies_become_bad_response_per_number(body: bytes) -> None:
    adapter, _ = make(lambda request: httpx.Response(200, content=body))
    results = await adapter.track(["A1", "B2"])
    assert sorted(r.tracking_number for r in results) == ["A1", "B2"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)
