"""DHL adapter over a scripted carrier: request shape, API key, not found, quotas and failures."""

from __future__ import annotations

import httpx
import pytest

from carriers.base import CarrierAccount
from carriers.dhl import Adapter
from carriers.errors import CarrierAuthError, CarrierRateLimited, CarrierUnavailable
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample
from tests.carriers.ups.scripted import ScriptedCarrier, reply, unique

TRACK = "/track/shipments"
UNAUTHORIZED = {"status": 401, "title": "Unauthorized", "detail": "Invalid API key"}


@pytest.fixture(autouse=True)
def fast_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real 1 call/s would make each extra call wait a second; its value is checked on its own below."""
    monkeypatch.setattr(Adapter, "rate_limit", (1000, 1.0))


def adapter(carrier: ScriptedCarrier, *, quota: int | None = None) -> Adapter:
    options = {"daily_quota": quota} if quota else {}
    account = CarrierAccount(carrier="dhl", credentials={"api_key": unique("key")}, options=options)
    return Adapter(account, carrier.client())


def delivered() -> httpx.Response:
    return reply(200, body=sample("dhl", "track_shipments_parcel_de_delivered_real.json"))


async def test_request_shape() -> None:
    carrier = ScriptedCarrier({TRACK: [delivered()]})
    dhl = adapter(carrier)
    [result] = await dhl.track(["470800204932"])
    [call] = carrier.requests
    assert (call.method, call.url.host, call.url.path) == ("GET", "api-eu.dhl.com", TRACK)
    assert dict(call.url.params) == {"trackingNumber": "470800204932", "language": "en"}
    assert call.headers["DHL-API-Key"] == dhl.account.credentials["api_key"]
    assert result.status is Status.DELIVERED


async def test_one_number_per_call() -> None:
    carrier = ScriptedCarrier({TRACK: [reply(404, body=sample("dhl", "error_404_no_result_found.json"))]})
    results = await adapter(carrier).track(["A1", "B2", "C3"])
    assert sorted(r.url.params["trackingNumber"] for r in carrier.requests) == ["A1", "B2", "C3"]
    assert sorted((r.tracking_number, r.error) for r in results) == [
        (n, ErrorKind.NOT_FOUND) for n in ("A1", "B2", "C3")
    ]


async def test_bad_key_is_an_auth_error_and_check_reports_it() -> None:
    carrier = ScriptedCarrier({TRACK: [reply(401, UNAUTHORIZED)]})
    with pytest.raises(CarrierAuthError, match="Invalid API key"):
        await adapter(carrier).track(["A1"])
    with pytest.raises(CarrierAuthError):
        await adapter(carrier).check()


async def test_check_accepts_a_404_for_the_probe_number() -> None:
    carrier = ScriptedCarrier({TRACK: [reply(404, body=sample("dhl", "error_404_no_result_found.json"))]})
    assert "accepted" in await adapter(carrier).check()


@pytest.mark.parametrize(("headers", "expected"), [({}, 60.0), ({"Retry-After": "5"}, 5.0)])
async def test_429_pauses_the_account(headers: dict[str, str], expected: float) -> None:
    throttled = reply(429, body=sample("dhl", "error_429_too_many_requests.json"), headers=headers)
    carrier = ScriptedCarrier({TRACK: [throttled]})
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter(carrier).track(["A1"])
    assert caught.value.retry_after == expected


async def test_daily_quota_is_enforced_before_calling() -> None:
    carrier = ScriptedCarrier({TRACK: [delivered()]})
    dhl = adapter(carrier, quota=2)
    await dhl.track(["470800204932"])
    await dhl.track(["470800204932"])
    with pytest.raises(CarrierRateLimited) as caught:
        await dhl.track(["470800204932"])
    assert len(carrier.requests) == 2
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 43200


@pytest.mark.parametrize(
    "failure", [reply(500, {}), reply(502, b"<html>Bad Gateway</html>"), httpx.ReadTimeout("slow")]
)
async def test_unavailable(failure: httpx.Response | Exception) -> None:
    carrier = ScriptedCarrier({TRACK: [failure]})
    with pytest.raises(CarrierUnavailable):
        await adapter(carrier).track(["A1"])


@pytest.mark.parametrize("body", [b"<html>Maintenance</html>", b'{"shipments": [', b'{"shipments": 5}'])
async def test_bad_bodies_become_bad_response(body: bytes) -> None:
    carrier = ScriptedCarrier({TRACK: [reply(200, body)]})
    [result] = await adapter(carrier).track(["A1"])
    assert (result.tracking_number, result.error) == ("A1", ErrorKind.BAD_RESPONSE)


async def test_missing_key_is_an_auth_error_without_a_call() -> None:
    carrier = ScriptedCarrier({TRACK: [delivered()]})
    dhl = Adapter(CarrierAccount(carrier="dhl", credentials={}), carrier.client())
    with pytest.raises(CarrierAuthError):
        await dhl.track(["A1"])
    assert carrier.requests == []


def test_published_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # drop the fast bucket to read the real figures
    assert (Adapter.max_batch, Adapter.rate_limit, Adapter.daily_quota) == (1, (1, 1.0), 250)
