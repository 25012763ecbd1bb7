"""REST API: key authentication, precise validation errors, idempotent creates, shop isolation."""

from __future__ import annotations

import httpx
import pytest

from app.web.app import create_app
from tests.factories import make_merchant
from tests.servers import serve

BODY = {
    "order_number": "A-1",
    "tracking_number": "SBDL29000000001",
    "carrier": "sandbox",
    "customer": {"name": "Alex Doe", "email": "alex@example.com"},
}


@pytest.fixture
async def api(runtime):
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client


async def test_missing_wrong_and_malformed_keys_are_401_with_reason(api, runtime) -> None:
    await make_merchant(runtime.engine)
    cases = {
        None: "missing API key",
        "Bearer otk_nope": "invalid or revoked API key",
        "Bearer sk_live_123": "malformed API key",
    }
    for header, reason in cases.items():
        headers = {"Authorization": header} if header else {}
        response = await api.post("/api/v1/shipments", json=BODY, headers=headers)
        assert response.status_code == 401
        assert reason in response.json()["error"]


async def test_validation_errors_name_the_field_and_reason(api, runtime) -> None:
    _, key = await make_merchant(runtime.engine)
    bad = {**BODY, "tracking_number": "no", "customer": {"email": "not-an-email"}, "carrier": "pigeon"}
    response = await api.post("/api/v1/shipments", json=bad, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(fields) == {"tracking_number", "customer.email", "carrier"}
    assert "unknown carrier" in fields["carrier"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    broken = await api.post("/api/v1/shipments", content=b"{oops", headers=headers)
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]


async def test_same_tracking_number_twice_is_one_shipment(api, runtime) -> None:
    _, key = await make_merchant(runtime.engine)
    headers = {"Authorization": f"Bearer {key}"}
    first = await api.post("/api/v1/shipments", json=BODY, headers=headers)
    again = await api.post("/api/v1/shipments", json={**BODY, "tracking_number": "sbdl 2900-0000-001"}, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["tracking_url"] == again.json()["tracking_url"]


async def test_carrier_detected_when_omitted_and_refused_when_unknowable(api, runtime) -> None:
    _, key = await make_merchant(runtime.engine)
    headers = {"Authorization": f"Bearer {key}"}
    body = {k: v for k, v in BODY.items() if k != "carrier"}
    detected = await api.post("/api/v1/shipments", json=body, headers=headers)
    assert detected.status_code == 201 and detected.json()["carrier"] == "sandbox"
    unknown = await api.post("/api/v1/shipments", json={**body, "tracking_number": "ZZZZZZ"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "carrier"


async def test_a_shop_cannot_read_another_shops_shipment(api, runtime) -> None:
    _, key_a = await make_merchant(runtime.engine, "shop-a")
    _, key_b = await make_merchant(runtime.engine, "shop-b")
    created = await api.post("/api/v1/shipments", json=BODY, headers={"Authorization": f"Bearer {key_a}"})
    shipment_id = created.json()["id"]
    own = await api.get(f"/api/v1/shipments/{shipment_id}", headers={"Authorization": f"Bearer {key_a}"})
    other = await api.get(f"/api/v1/shipments/{shipment_id}", headers={"Authorization": f"Bearer {key_b}"})
    assert own.status_code == 200 and own.json()["events"] == []
    assert other.status_code == 404
