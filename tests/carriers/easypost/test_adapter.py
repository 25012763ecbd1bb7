"""EasyPost adapter over `httpx.MockTransport`: request shape, create-then-read, throttling and failures."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.easypost import Adapter
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status

FIXTURES = Path(__file__).parent / "fixtures"
Handler = Callable[[httpx.Request], httpx.Response]


def tracker(number: str, status: str = "in_transit") -> dict[str, object]:
    return {
        "object": "Tracker",
        "tracking_code": number,
        "status": status,
        "status_detail": "arrived_at_facility",
        "tracking_details": [
            {
                "status": status,
                "status_detail": "arrived_at_facility",
                "datetime": "2026-05-04T10:00:00Z",
                "message": "Arrived",
                "tracking_location": {"city": "RENO", "state": "NV"},
            }
        ],
    }


def make(handler: Handler, **options: object) -> tuple[Adapter, str]:
    key = f"EZTK{uuid.uuid4().hex}"
    account = CarrierAccount(carrier="easypost", credentials={"api_key": key}, options=dict(options))
    return Adapter(account, httpx.AsyncClient(transport=httpx.MockTransport(handler))), key


async def test_batch_read_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        codes = json.loads(request.content)["tracking_codes"]
        return httpx.Response(200, json={"trackers": [tracker(c) for c in codes], "has_more": False})

    adapter, key = make(handler)
    results = await adapter.track(["EZ1", "EZ2"])
    assert len(seen) == 1
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.easypost.com/v2/trackers/batch"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"tracking_codes": ["EZ1", "EZ2"]}
    assert sorted((r.tracking_number, r.status) for r in results) == [
        ("EZ1", Status.IN_TRANSIT),
        ("EZ2", Status.IN_TRANSIT),
    ]


async def test_batches_split_at_max_batch() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        codes = json.loads(request.content)["tracking_codes"]
        sizes.append(len(codes))
        return httpx.Response(200, json={"trackers": [tracker(c) for c in codes], "has_more": False})

    adapter, _ = make(handler)
    numbers = [f"EZ{i:04d}" for i in range(Adapter.max_batch * 2 + 5)]
    results = await adapter.track(numbers)
    assert sorted(sizes) == [5, Adapter.max_batch, Adapter.max_batch]
    assert len(results) == len(numbers) and all(r.ok for r in results)


async def test_missing_trackers_are_created_with_carrier_hint() -> None:
    creates: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/trackers/batch":
            return httpx.Response(200, json={"trackers": [tracker("EZ1")], "has_more": False})
        body = json.loads(request.content)
        creates.append(body)
        return httpx.Response(201, json=tracker(body["tracker"]["tracking_code"], "pre_transit"))

    adapter, _ = make(handler, carrier="USPS", carriers={"EZ3": "UPS"})
    results = {r.tracking_number: r for r in await adapter.track(["EZ1", "EZ2", "EZ3"])}
    assert sorted(creates, key=str) == [
        {"tracker": {"tracking_code": "EZ2", "carrier": "USPS"}},
        {"tracker": {"tracking_code": "EZ3", "carrier": "UPS"}},
    ]
    assert results["EZ1"].status is Status.IN_TRANSIT
    assert results["EZ2"].status is Status.INFO_RECEIVED


async def test_create_without_carrier_lets_easypost_detect_it() -> None:
    creates: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/trackers/batch":
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "none", "errors": []}})
        creates.append(json.loads(request.content))
        return httpx.Response(200, json=tracker("EZ7"))

    adapter, _ = make(handler)
    (result,) = await adapter.track(["EZ7"])
    assert creates == [{"tracker": {"tracking_code": "EZ7"}}]
    assert result.ok


async def test_second_create_of_same_number_returns_existing_tracker() -> None:
    created: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/trackers/batch":
            return httpx.Response(200, json={"trackers": [], "has_more": False})
        number = json.loads(request.content)["tracker"]["tracking_code"]
        created[number] = created.get(number, 0) + 1
        # EasyPost answers a duplicate create with the existing tracker (200), not an error.
        return httpx.Response(200 if created[number] > 1 else 201, json=tracker(number))

    adapter, _ = make(handler)
    first = await adapter.track(["EZ5"])
    second = await adapter.track(["EZ5"])
    assert first[0].ok and second[0].ok
    assert created == {"EZ5": 2}


async def test_create_refused_is_soft_not_found_with_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/trackers/batch":
            return httpx.Response(200, json={"trackers": [], "has_more": False})
        error = {"code": "TRACKER.CREATE.ERROR", "message": "Invalid tracking code.", "errors": []}
        return httpx.Response(422, json={"error": error})

    adapter, _ = make(handler)
    (result,) = await adapter.track(["bogus"])
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message == "TRACKER.CREATE.ERROR: Invalid tracking code."


async def test_unauthorized_raises_auth_error_with_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        error = {"code": "APIKEY.INACTIVE", "message": "This api key is no longer active.", "errors": []}
        return httpx.Response(401, json={"error": error})

    adapter, _ = make(handler)
    with pytest.raises(CarrierAuthError, match="no longer active"):
        await adapter.track(["EZ1"])
    with pytest.raises(CarrierAuthError):
        await adapter.check()


async def test_check_reports_success() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"trackers": [], "has_more": False})

    adapter, _ = make(handler)
    assert "accepted" in await adapter.check()
    assert seen[0].method == "GET" and seen[0].url.params["page_size"] == "1"


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "7"}, 7.0), ({}, None)])
async def test_429_raises_rate_limited_and_pauses(headers: dict[str, str], expected: float | None) -> None:
    adapter, _ = make(lambda request: httpx.Response(429, headers=headers, json={}))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["EZ1"])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_unavailable(status: int) -> None:
    adapter, _ = make(lambda request: httpx.Response(status, text="oops"))
    with pytest.raises(CarrierUnavailable):
        await adapter.track(["EZ1"])


async def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    adapter, _ = make(handler)
    with pytest.raises(CarrierUnavailable, match="timed out"):
        await adapter.track(["EZ1"])


@pytest.mark.parametrize(
    "body",
    [b"<html>Service temporarily down</html>", b'{"trackers": [{"object": "Tracker", "tracking_', b'{"trackers": 5}'],
)
async def test_bad_bodies_become_bad_response_per_number(body: bytes) -> None:
    adapter, _ = make(lambda request: httpx.Response(200, content=body))
    results = await adapter.track(["EZ1", "EZ2", "EZ3"])
    assert sorted(r.tracking_number for r in results) == ["EZ1", "EZ2", "EZ3"]
    assert all(r.error is ErrorKind.BAD_RESPONSE for r in results)
