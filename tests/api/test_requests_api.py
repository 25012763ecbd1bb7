"""Request handling common to every /api/v1 route: keys (401), content type (415), size (413), JSON (400), precise
422s, wrong methods (405), and idempotent creates with `Idempotency-Key`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from app.db import reading, writing
from app.models import ApiKey, IdempotencyRecord, Order
from tests.api.conftest import Shop

ORDER = {"number": "1001", "customer": {"email": "alex@example.com"}, "items": [{"title": "Vase"}]}


async def count_orders(runtime) -> int:
    async with reading(runtime.engine) as conn:
        return (await conn.execute(select(func.count()).select_from(Order.__table__))).scalar_one()


async def test_keys_missing_malformed_unknown_and_revoked_are_401_with_the_reason(shop: Shop, runtime) -> None:
    client = shop.client
    cases = [
        ({}, "missing API key"),
        ({"Authorization": "Bearer sk_live_1"}, "malformed API key"),
        ({"X-API-Key": "otk_unknown"}, "invalid or revoked API key"),
    ]
    for headers, reason in cases:
        answer = await client.get("/api/v1/orders", headers=headers)
        assert answer.status_code == 401 and reason in answer.json()["error"]
    assert (await client.get("/api/v1/orders", headers={"X-API-Key": shop.key})).status_code == 200
    async with writing(runtime.engine) as conn:
        await conn.execute(update(ApiKey.__table__).values(revoked_at=datetime.now(UTC)))
    revoked = await shop.get("/api/v1/orders")
    assert revoked.status_code == 401 and revoked.json() == {"error": "invalid or revoked API key"}


async def test_body_errors_415_413_400_and_422(shop: Shop, runtime) -> None:
    as_form = await shop.post("/api/v1/orders", data={"number": "1"})
    assert as_form.status_code == 415 and "application/x-www-form-urlencoded" in as_form.json()["error"]
    big = {**ORDER, "customer": {"name": "x" * 300_000}}
    too_big = await shop.post("/api/v1/orders", json=big)
    assert too_big.status_code == 413 and "262144 bytes" in too_big.json()["error"]
    broken = await shop.post("/api/v1/orders", content=b'{"number": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
    wrong = {
        "number": "",
        "total": "12.345",
        "customer": {"email": "nope", "locale": "french"},
        "items": [{"title": "Vase", "quantity": "2"}, {"quantity": 0}],
        "placed_at": "2026-13-01T00:00:00Z",
        "colour": "red",
    }
    invalid = await shop.post("/api/v1/orders", json=wrong)
    assert invalid.status_code == 422
    reasons = {e["field"]: e["reason"] for e in invalid.json()["errors"]}
    assert set(reasons) == {
        "number",
        "total",
        "customer.email",
        "customer.locale",
        "items.0.quantity",
        "items.1.title",
        "items.1.quantity",
        "placed_at",
        "colour",
    }
    assert reasons["customer.locale"] == "must look like 'fr' or 'fr-CA'"
    assert "valid datetime" in reasons["placed_at"]
    assert "decimal string" in reasons["total"] and "valid integer" in reasons["items.0.quantity"]
    nul = await shop.post("/api/v1/orders", json={**ORDER, "customer": {"name": "a\x00b"}})
    assert nul.status_code == 422 and nul.json()["errors"] == [
        {"field": "customer.name", "reason": "must not contain NUL characters"}
    ]
    assert await count_orders(runtime) == 0


async def test_wrong_method_is_405_with_the_allowed_ones(shop: Shop) -> None:
    answer = await shop.client.put("/api/v1/orders", headers={"Authorization": f"Bearer {shop.key}"})
    assert answer.status_code == 405 and set(answer.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert answer.json() == {"error": "PUT is not allowed here; use GET, HEAD, POST"}


async def test_head_and_unknown_paths(shop: Shop) -> None:
    head = await shop.client.head("/api/v1/orders", headers={"Authorization": f"Bearer {shop.key}"})
    assert head.status_code == 200 and head.content == b""
    unknown = await shop.get("/api/v1/ordres")
    assert unknown.status_code == 404 and unknown.json() == {"error": "no such API path: /api/v1/ordres"}


async def test_idempotency_key_replays_the_first_answer(shops: tuple[Shop, Shop], runtime) -> None:
    shop, other = shops
    key = {"Idempotency-Key": "order-1001-attempt"}
    first = await shop.post("/api/v1/orders", json=ORDER, headers=key)
    replay = await shop.post("/api/v1/orders", json=dict(reversed(ORDER.items())), headers=key)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_orders(runtime) == 1
    conflict = await shop.post("/api/v1/orders", json={**ORDER, "number": "1002"}, headers=key)
    assert conflict.status_code == 422
    assert conflict.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "different request" in conflict.json()["error"]
    elsewhere = await other.post("/api/v1/orders", json=ORDER, headers=key)  # keys are per shop
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]
    without = await shop.post("/api/v1/orders", json=ORDER)
    assert without.status_code == 409  # no key: a plain second create
    too_long = await shop.post("/api/v1/orders", json=ORDER, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_key_older_than_a_day_starts_afresh(shop: Shop, runtime) -> None:
    key = {"Idempotency-Key": "daily-sync"}
    assert (await shop.post("/api/v1/orders", json=ORDER, headers=key)).status_code == 201
    async with writing(runtime.engine) as conn:
        await conn.execute(
            update(IdempotencyRecord.__table__).values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    fresh = await shop.post("/api/v1/orders", json={**ORDER, "number": "1002"}, headers=key)
    assert fresh.status_code == 201 and fresh.json()["number"] == "1002"
    assert (await shop.post("/api/v1/orders", json={**ORDER, "number": "1002"}, headers=key)).json() == fresh.json()


async def test_failed_creates_are_not_remembered(shop: Shop) -> None:
    key = {"Idempotency-Key": "ship-1"}
    body = {"order_number": "9", "tracking_number": "ZZZZZZZZ"}
    refused = await shop.post("/api/v1/shipments", json=body, headers=key)
    assert refused.status_code == 422
    fixed = await shop.post("/api/v1/shipments", json={**body, "carrier": "dhl"}, headers=key)
    assert fixed.status_code == 201
    replay = await shop.post("/api/v1/shipments", json={**body, "carrier": "dhl"}, headers=key)
    assert replay.status_code == 201 and replay.json() == fixed.json()


async def test_concurrent_creates_with_one_key_make_one_order(shop: Shop, runtime) -> None:
    key = {"Idempotency-Key": "race"}
    answers = await asyncio.gather(*(shop.post("/api/v1/orders", json=ORDER, headers=key) for _ in range(5)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await count_orders(runtime) == 1


async def test_the_document_is_served_without_a_key(shop: Shop) -> None:
    answer = await httpx.AsyncClient(base_url=str(shop.client.base_url)).get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.json()["openapi"] == "3.1.0"
