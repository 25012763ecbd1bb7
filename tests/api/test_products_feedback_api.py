"""/api/v1/products and feedback over HTTP: upsert by external id, deactivate, list; record and list feedback."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.db import reading, writing
from app.models import SurveyResponse, WebhookDelivery
from tests.api.conftest import Shop
from tests.factories import subscribe

PRODUCT = {
    "external_id": "sku-vase",
    "title": "Stoneware vase",
    "url": "https://shop.example.com/vase",
    "price": "24.50",
    "currency": "eur",
    "collections": ["Home", "vases"],
}


async def test_upsert_by_external_id(shop: Shop) -> None:
    created = await shop.post("/api/v1/products", json=PRODUCT)
    assert created.status_code == 201
    product = created.json()
    assert (product["price_cents"], product["currency"], product["collections"]) == (2450, "EUR", ["home", "vases"])
    unchanged = await shop.post("/api/v1/products", json=PRODUCT)
    assert unchanged.status_code == 200 and unchanged.json() == product
    changed = await shop.post("/api/v1/products", json={**PRODUCT, "price": 1999})
    assert changed.status_code == 200 and changed.json()["id"] == product["id"]
    assert changed.json()["price_cents"] == 1999 and changed.json()["updated_at"] >= product["updated_at"]
    bad = await shop.post("/api/v1/products", json={**PRODUCT, "url": "ftp://x", "collections": ["a b"], "price": -1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"url", "collections", "price"}


async def test_delete_deactivates_and_list_filters(shops: tuple[Shop, Shop]) -> None:
    shop, other = shops
    vase = (await shop.post("/api/v1/products", json=PRODUCT)).json()
    mug = (await shop.post("/api/v1/products", json={**PRODUCT, "external_id": "sku-mug", "title": "Mug"})).json()
    assert (await other.delete(f"/api/v1/products/{vase['id']}")).status_code == 404
    assert (await other.get(f"/api/v1/products/{vase['id']}")).status_code == 404
    gone = await shop.delete(f"/api/v1/products/{vase['id']}")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert (await shop.get(f"/api/v1/products/{vase['id']}")).json()["active"] is False
    active = (await shop.get("/api/v1/products?active=true")).json()["data"]
    assert [p["id"] for p in active] == [mug["id"]]
    everything = (await shop.get("/api/v1/products")).json()["data"]
    assert [p["id"] for p in everything] == [mug["id"], vase["id"]]
    assert (await other.get("/api/v1/products")).json()["data"] == []
    back = await shop.post("/api/v1/products", json=PRODUCT)
    assert back.status_code == 200 and back.json()["active"] is True


async def test_feedback_recorded_replaced_listed_and_announced(shop: Shop, runtime) -> None:
    await subscribe(runtime.engine, shop.merchant_id, ["feedback.received"])
    made = (
        await shop.post("/api/v1/shipments", json={"order_number": "7", "tracking_number": "SBDL29000000001"})
    ).json()
    order_id = made["order_id"]
    first = await shop.post(f"/api/v1/orders/{order_id}/feedback", json={"rating": 2, "comment": "late"})
    assert first.status_code == 201
    assert (first.json()["rating"], first.json()["shipment_id"], first.json()["source"]) == (2, made["id"], "api")
    second = await shop.post(f"/api/v1/orders/{order_id}/feedback", json={"rating": 5})
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    now = datetime.now(UTC)
    async with writing(runtime.engine) as conn:
        await conn.execute(
            SurveyResponse.__table__.insert().values(
                merchant_id=shop.merchant_id,
                order_id=order_id,
                kind="cancel_reason",
                value="too_slow",
                source="page",
                created_at=now,
                updated_at=now,
            )
        )
    listed = (await shop.get("/api/v1/feedback")).json()["data"]
    assert [(f["kind"], f["rating"], f["value"], f["order_number"]) for f in listed] == [
        ("cancel_reason", None, "too_slow", "7"),
        ("feedback", 5, "", "7"),
    ]
    assert [f["kind"] for f in (await shop.get("/api/v1/feedback?kind=feedback")).json()["data"]] == ["feedback"]
    assert (await shop.get("/api/v1/feedback?rating=4")).json()["data"] == []
    async with reading(runtime.engine) as conn:
        deliveries = (await conn.execute(select(WebhookDelivery.__table__))).all()
    assert sorted(d.payload["data"]["rating"] for d in deliveries) == [2, 5]
    bad = await shop.post(f"/api/v1/orders/{order_id}/feedback", json={"rating": 6, "comment": "x" * 2001})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"rating", "comment"}
