"""/api/v1/shipments over HTTP: create with or without carrier, filters, cursor pages, events, shop isolation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from app.db import writing
from app.models import Shipment, TrackingEvent
from tests.api.conftest import Shop

SH = Shipment.__table__


def body(number: str, order: str = "1001", **extra: object) -> dict[str, object]:
    return {"order_number": order, "tracking_number": number, "customer": {"email": "a@example.com"}, **extra}


async def test_create_detects_the_carrier_and_repeats_are_the_same_shipment(shop: Shop) -> None:
    made = await shop.post("/api/v1/shipments", json=body("1Z999AA10123456784", service="Ground"))
    assert made.status_code == 201
    shipment = made.json()
    assert (shipment["carrier"], shipment["service"], shipment["status"]) == ("ups", "Ground", "pending")
    assert shipment["tracking_url"].startswith("http://track.test/t/") and shipment["events"] == []
    again = await shop.post("/api/v1/shipments", json=body("1z999aa1-0123 456784", carrier="ups"))
    assert again.status_code == 200 and again.json()["id"] == shipment["id"]
    unknowable = await shop.post("/api/v1/shipments", json=body("ZZZZZZZZ"))
    assert unknowable.status_code == 422
    assert unknowable.json()["errors"] == [
        {"field": "carrier", "reason": "carrier could not be recognised from the tracking number; give 'carrier'"}
    ]


async def test_read_one_with_events_newest_first(shop: Shop, runtime) -> None:
    shipment = (await shop.post("/api/v1/shipments", json=body("SBDL29000000001", carrier="sandbox"))).json()
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    async with writing(runtime.engine) as conn:
        await conn.execute(
            TrackingEvent.__table__.insert(),
            [
                {
                    "shipment_id": shipment["id"],
                    "fingerprint": f"f{n}",
                    "occurred_at": start + timedelta(hours=n),
                    "status": status,
                    "description": f"scan {n}",
                    "location": "Bordeaux",
                    "created_at": start,
                }
                for n, status in enumerate(["info_received", "in_transit", "out_for_delivery"])
            ],
        )
    read = (await shop.get(f"/api/v1/shipments/{shipment['id']}")).json()
    assert [e["status"] for e in read["events"]] == ["out_for_delivery", "in_transit", "info_received"]
    assert read["events"][0]["time"] == "2026-03-01T10:00:00Z" and read["events"][0]["location"] == "Bordeaux"


async def test_list_filters_and_cursor_pages(shop: Shop, runtime) -> None:
    ids = {}
    for n, (number, carrier) in enumerate(
        [("SBDL29000000001", "sandbox"), ("1Z999AA10123456784", "ups"), ("SBDL29000000002", "sandbox")]
    ):
        made = await shop.post("/api/v1/shipments", json=body(number, order=f"O-{n}", carrier=carrier))
        ids[number] = made.json()["id"]
    yesterday = date.today() - timedelta(days=1)
    async with writing(runtime.engine) as conn:
        await conn.execute(
            update(SH).where(SH.c.id == ids["SBDL29000000001"]).values(status="in_transit", estimate_latest=yesterday)
        )
        await conn.execute(
            update(SH)
            .where(SH.c.id == ids["SBDL29000000002"])
            .values(status="delivered", estimate_latest=yesterday, updated_at=datetime.now(UTC) + timedelta(hours=1))
        )

    async def numbers(**params: object) -> list[str]:
        answer = await shop.get("/api/v1/shipments", params=params)
        assert answer.status_code == 200, answer.text
        return [s["tracking_number"] for s in answer.json()["data"]]

    assert await numbers(carrier="ups") == ["1Z999AA10123456784"]
    assert await numbers(status="delivered") == ["SBDL29000000002"]
    assert await numbers(order_number="O-0") == ["SBDL29000000001"]
    assert await numbers(late="true") == ["SBDL29000000001"]
    assert await numbers(late="false") == ["SBDL29000000002", "1Z999AA10123456784"]
    since = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    assert await numbers(updated_since=since) == ["SBDL29000000002"]
    first = (await shop.get("/api/v1/shipments", params={"limit": 2})).json()
    second = (await shop.get("/api/v1/shipments", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [s["id"] for s in first["data"] + second["data"]] == sorted(ids.values(), reverse=True)
    assert second["next_cursor"] is None
    bad = await shop.get("/api/v1/shipments", params={"status": "lost", "carrier": "pigeon", "late": "maybe"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "carrier", "late"}


async def test_other_shops_shipments_are_invisible(shops: tuple[Shop, Shop]) -> None:
    shop_a, shop_b = shops
    made = (await shop_a.post("/api/v1/shipments", json=body("SBDL29000000001", carrier="sandbox"))).json()
    assert (await shop_b.get(f"/api/v1/shipments/{made['id']}")).status_code == 404
    assert (await shop_b.get("/api/v1/shipments")).json() == {"data": [], "next_cursor": None}
    # the same number in another shop is that shop's own shipment
    theirs = await shop_b.post("/api/v1/shipments", json=body("SBDL29000000001", carrier="sandbox"))
    assert theirs.status_code == 201 and theirs.json()["id"] != made["id"]


async def test_a_split_orders_parcels_name_their_items(shop: Shop) -> None:
    items = [
        {"title": "Stoneware vase", "sku": "VASE-1", "quantity": 2},
        {"title": "Linen napkin", "product_id": "771", "variant": "Sand", "quantity": 4},
        {"title": "Linen napkin", "product_id": "771", "variant": "Sage", "quantity": 4},
    ]
    first = await shop.post(
        "/api/v1/shipments",
        json=body(
            "SBDL29000000011",
            carrier="sandbox",
            items=items,
            parcel_items=[{"sku": "VASE-1"}, {"product_id": "771", "variant": "Sage", "quantity": 4}],
        ),
    )
    assert first.status_code == 201, first.text
    assert first.json()["parcel_items"] == [
        {"sku": "VASE-1", "product_id": "", "variant": "", "quantity": 1},
        {"sku": "", "product_id": "771", "variant": "Sage", "quantity": 4},
    ]
    wrong = await shop.post(
        "/api/v1/shipments",
        json=body(
            "SBDL29000000012",
            carrier="sandbox",
            parcel_items=[{"sku": "VASE-1", "quantity": 3}, {"sku": "NOPE"}, {"product_id": "771", "variant": "Sand"}],
        ),
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "parcel_items[0]", "reason": "the order holds 2 of sku 'VASE-1', not 3"},
        {"field": "parcel_items[1]", "reason": "the order has no item with sku 'NOPE'"},
    ]
    assert (await shop.get("/api/v1/shipments", params={"order_number": "1001"})).json()["data"][0]["id"] == (
        first.json()["id"]
    )  # the refused parcel was not created
    unnamed = await shop.post("/api/v1/shipments", json=body("SBDL29000000013", parcel_items=[{"quantity": 1}]))
    assert unnamed.status_code == 422 and "sku or its product_id" in unnamed.text

    second = await shop.post(
        "/api/v1/shipments",
        json=body("SBDL29000000012", carrier="sandbox", parcel_items=[{"sku": "VASE-1"}, {"product_id": "771"}]),
    )
    assert second.status_code == 201
    assert [(p["sku"], p["variant"]) for p in second.json()["parcel_items"]] == [("VASE-1", ""), ("", "Sand")]
    again = await shop.post(
        "/api/v1/shipments", json=body("SBDL29000000012", carrier="sandbox", parcel_items=[{"sku": "VASE-1"}])
    )
    assert again.status_code == 200 and [p["sku"] for p in again.json()["parcel_items"]] == ["VASE-1"]  # replaced
