"""Shopify webhooks end to end: signed delivery over HTTP → inbox → processing → order and shipment rows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.integrations.shopify import MAX_ATTEMPTS, process_inbox_once
from app.integrations.shopify_inbox import connect_shop
from app.integrations.shopify_mapping import carrier_code, locale_of
from app.models import LineItem, Order, Shipment, ShipmentItem, ShopifyInbox
from app.runtime import Runtime
from app.web.app import create_app
from tests.factories import make_merchant
from tests.servers import serve

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "shpss_0123456789abcdef0123456789abcdef"
DOMAIN = "camille-ceramics.myshopify.com"


def payload(name: str, **changes: Any) -> bytes:
    """A recorded example, dated now (deliveries older than the retry window are refused as stale)."""
    body = json.loads((PAYLOADS / f"shopify_{name}.json").read_text())
    body["updated_at"] = datetime.now(UTC).isoformat()
    body.update(changes)
    return json.dumps(body).encode()


def signed(raw: bytes, topic: str, event_id: str, secret: str = SECRET) -> dict[str, str]:
    """Headers as Shopify sends them; the HMAC computed here from Shopify's documentation."""
    digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": DOMAIN,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": f"wh-{event_id}",
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "X-Shopify-API-Version": "2025-01",
    }


@pytest.fixture
async def shop(rt: Runtime) -> int:
    merchant_id, _ = await make_merchant(rt.engine, "camille")
    await connect_shop(rt.engine, rt.credentials_key, merchant_id=merchant_id, domain=DOMAIN, secret=SECRET)
    return merchant_id


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(rt.settings, runtime=rt)
    app.state.shopify_process_inline = False  # the tests process explicitly
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield http


async def deliver(
    client: httpx.AsyncClient, shop: int, name: str, topic: str, event_id: str, **kw: Any
) -> httpx.Response:
    raw = payload(name, **kw)
    return await client.post(f"/webhooks/shopify/{shop}", content=raw, headers=signed(raw, topic, event_id))


async def rows(engine: AsyncEngine, model: Any) -> list[Any]:
    table = model.__table__
    async with reading(engine) as conn:
        return list((await conn.execute(select(table).order_by(table.c.id))).all())


async def test_order_create_is_stored_at_once_then_becomes_an_order(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    response = await deliver(client, shop, "orders_create", "orders/create", "ev-1")
    assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}
    assert await rows(rt.engine, Order) == []  # stored only; processing is separate
    [inbox] = await rows(rt.engine, ShopifyInbox)
    assert (inbox.topic, inbox.event_id, inbox.processed_at) == ("orders/create", "ev-1", None)

    assert await process_inbox_once(rt) == 1
    [order] = await rows(rt.engine, Order)
    assert (order.merchant_id, order.number, order.external_id, order.source) == (
        shop,
        "1001",
        "820982911946154508",
        "shopify",
    )
    assert (order.customer_name, order.customer_email, order.customer_phone, order.locale) == (
        "Camille Martin",
        "camille.martin@example.com",
        "+33612345678",
        "fr",
    )
    assert (order.city, order.postal_code, order.country) == ("Bordeaux", "33000", "FR")
    assert (order.currency, order.total_cents) == ("EUR", 8990)
    items = await rows(rt.engine, LineItem)
    assert [(i.title, i.sku, i.quantity, i.variant, i.product_id) for i in items] == [
        ("Stoneware vase", "VASE-SAND", 1, "Sand", "632910392"),
        ("Linen napkins (set of 4)", "NAP-OLV-4", 2, "Olive", "632910393"),
    ]
    [inbox] = await rows(rt.engine, ShopifyInbox)
    assert inbox.processed_at is not None and inbox.error == "" and inbox.attempts == 1


async def test_no_street_note_or_ip_is_stored_anywhere(rt: Runtime, shop: int, client: httpx.AsyncClient) -> None:
    await deliver(client, shop, "orders_create", "orders/create", "ev-pii")
    await process_inbox_once(rt)
    async with reading(rt.engine) as conn:
        tables = ["shop_order", "line_item", "shopify_inbox", "notification"]
        dump = " ".join([str((await conn.execute(text(f"SELECT * FROM {t}"))).all()) for t in tables])
    for secret_detail in ("Sainte-Catherine", "Apt 3", "concierge", "203.0.113.7", "44.84"):
        assert secret_detail not in dump


async def test_the_same_event_twice_is_stored_once(rt: Runtime, shop: int, client: httpx.AsyncClient) -> None:
    first = await deliver(client, shop, "orders_create", "orders/create", "ev-dup")
    again = await deliver(client, shop, "orders_create", "orders/create", "ev-dup")
    assert first.json()["duplicate"] is False and again.status_code == 200 and again.json()["duplicate"] is True
    assert len(await rows(rt.engine, ShopifyInbox)) == 1
    assert await process_inbox_once(rt) == 1 and await process_inbox_once(rt) == 0
    assert len(await rows(rt.engine, Order)) == 1


@pytest.mark.parametrize("forgery", ["wrong secret", "tampered body", "missing signature", "stale", "stale header"])
async def test_forged_missing_or_stale_signatures_are_refused(
    rt: Runtime, shop: int, client: httpx.AsyncClient, forgery: str
) -> None:
    raw = payload("orders_create")
    secret = "shpss_not-the-shops-secret" if forgery == "wrong secret" else SECRET
    headers = signed(raw, "orders/create", "ev-forged", secret=secret)
    if forgery == "tampered body":
        raw = raw.replace(b"camille.martin@example.com", b"attacker@example.com")
    if forgery == "missing signature":
        del headers["X-Shopify-Hmac-Sha256"]
    if forgery == "stale":
        raw = payload("orders_create", updated_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
        headers = signed(raw, "orders/create", "ev-forged")
    if forgery == "stale header":
        headers["X-Shopify-Triggered-At"] = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    response = await client.post(f"/webhooks/shopify/{shop}", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert await rows(rt.engine, ShopifyInbox) == []


async def test_unknown_shop_is_404_and_the_domain_route_finds_the_shop(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    raw = payload("orders_create")
    unknown = await client.post("/webhooks/shopify/999999", content=raw, headers=signed(raw, "orders/create", "e"))
    assert unknown.status_code == 404
    response = await client.post("/webhooks/shopify", content=raw, headers=signed(raw, "orders/create", "ev-domain"))
    assert response.status_code == 200
    assert [r.merchant_id for r in await rows(rt.engine, ShopifyInbox)] == [shop]
    other = {**signed(raw, "orders/create", "ev-x"), "X-Shopify-Shop-Domain": "someone-else.myshopify.com"}
    assert (await client.post("/webhooks/shopify", content=raw, headers=other)).status_code == 404


async def test_fulfilled_order_update_adds_the_shipment_with_mapped_carrier(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    await deliver(client, shop, "orders_create", "orders/create", "ev-1")
    await deliver(client, shop, "orders_updated_fulfilled", "orders/updated", "ev-2")
    assert await process_inbox_once(rt) == 2
    [order] = await rows(rt.engine, Order)
    [shipment] = await rows(rt.engine, Shipment)
    assert (shipment.order_id, shipment.carrier, shipment.tracking_number, shipment.status) == (
        order.id,
        "ups",
        "1Z999AA10123456784",
        "pending",
    )
    # A redelivered update (new event id) changes nothing.
    await deliver(client, shop, "orders_updated_fulfilled", "orders/updated", "ev-3")
    await process_inbox_once(rt)
    assert len(await rows(rt.engine, Shipment)) == 1 and len(await rows(rt.engine, Order)) == 1


async def test_fulfillments_detect_unknown_companies_and_skip_bad_numbers(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    await deliver(client, shop, "orders_create", "orders/create", "ev-1")
    await deliver(client, shop, "fulfillments_create", "fulfillments/create", "ev-f1")
    await deliver(client, shop, "fulfillments_update", "fulfillments/update", "ev-f2")
    assert await process_inbox_once(rt) == 3
    shipments = await rows(rt.engine, Shipment)
    assert sorted((s.carrier, s.tracking_number) for s in shipments) == [
        ("laposte", "6A12345678901"),  # "La Poste" by name
        ("ups", "1Z12345E0205271686"),  # unknown company: detected from the number
    ]
    last = (await rows(rt.engine, ShopifyInbox))[-1]
    assert last.processed_at is not None and "'ZZ1' skipped" in last.error


async def test_a_fulfillments_line_items_are_what_its_parcel_carries(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    lines = [
        {"id": 1, "product_id": 632910392, "title": "Stoneware vase", "quantity": 1},
        {
            "id": 2,
            "sku": "NAP-OLV-4",
            "title": "Linen napkins (set of 4)",
            "quantity": 2,
            "properties": [{"name": "Engraving", "value": "For Alex"}],
        },
        {"id": 3, "product_id": 999, "title": "Not in the order", "quantity": 1},
    ]
    await deliver(client, shop, "orders_create", "orders/create", "ev-1")
    await deliver(client, shop, "fulfillments_create", "fulfillments/create", "ev-f1", line_items=lines)
    assert await process_inbox_once(rt) == 2
    [shipment] = await rows(rt.engine, Shipment)
    carried = [(i.shipment_id, i.sku, i.product_id, i.variant, i.quantity) for i in await rows(rt.engine, ShipmentItem)]
    assert carried == [
        (shipment.id, "VASE-SAND", "632910392", "Sand", 1),  # by product id, named as the order names it
        (shipment.id, "NAP-OLV-4", "632910393", "Olive", 2),
    ]
    last = (await rows(rt.engine, ShopifyInbox))[-1]
    reason = "the order has no item with product_id '999'"
    assert last.error == f"tracking number '1Z12345E0205271686': line_items[2] left out: {reason}"
    assert "For Alex" not in last.body  # only the fields the mapping reads are kept


async def test_a_fulfillment_before_its_order_is_retried_until_the_order_arrives(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    await deliver(client, shop, "fulfillments_create", "fulfillments/create", "ev-early")
    now = datetime.now(UTC)
    assert await process_inbox_once(rt, now=now) == 1
    [row] = await rows(rt.engine, ShopifyInbox)
    assert row.processed_at is None and "has not been received yet" in row.error
    await deliver(client, shop, "orders_create", "orders/create", "ev-order")
    assert await process_inbox_once(rt, now=now) == 1  # only the order: the fulfillment's lease still runs
    assert await process_inbox_once(rt, now=now + timedelta(minutes=6)) == 1
    [shipment] = await rows(rt.engine, Shipment)
    assert shipment.tracking_number == "1Z12345E0205271686"
    assert all(r.processed_at is not None for r in await rows(rt.engine, ShopifyInbox))


async def test_an_orphan_fulfillment_is_closed_with_its_error_after_the_last_attempt(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    await deliver(client, shop, "fulfillments_create", "fulfillments/create", "ev-orphan")
    now = datetime.now(UTC)
    for attempt in range(MAX_ATTEMPTS):
        assert await process_inbox_once(rt, now=now + timedelta(minutes=6 * attempt)) == 1
    [row] = await rows(rt.engine, ShopifyInbox)
    assert row.processed_at is not None and row.error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


async def test_cancellation_marks_the_order_cancelled(rt: Runtime, shop: int, client: httpx.AsyncClient) -> None:
    await deliver(client, shop, "orders_create", "orders/create", "ev-1")
    await deliver(client, shop, "orders_cancelled", "orders/cancelled", "ev-2")
    await process_inbox_once(rt)
    [order] = await rows(rt.engine, Order)
    assert order.cancelled_at is not None and order.cancel_reason == "customer"


async def test_an_invalid_field_is_dropped_with_a_note_and_the_order_kept(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    await deliver(client, shop, "orders_create", "orders/create", "ev-1", email="not-an-email", contact_email=None)
    await process_inbox_once(rt)
    [order] = await rows(rt.engine, Order)
    assert order.number == "1001" and order.customer_email == "" and order.city == "Bordeaux"
    [row] = await rows(rt.engine, ShopifyInbox)
    assert "customer.email" in row.error and row.processed_at is not None


async def test_a_body_that_is_not_an_order_is_closed_with_the_reason(
    rt: Runtime, shop: int, client: httpx.AsyncClient
) -> None:
    raw = json.dumps({"id": 5, "updated_at": datetime.now(UTC).isoformat()}).encode()
    await client.post(f"/webhooks/shopify/{shop}", content=raw, headers=signed(raw, "orders/create", "ev-bad"))
    await process_inbox_once(rt)
    [row] = await rows(rt.engine, ShopifyInbox)
    assert row.processed_at is not None and "neither 'name' nor 'order_number'" in row.error
    assert await rows(rt.engine, Order) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [("fr", "fr"), ("en-CA", "en-CA"), ("pt-BR", "pt-BR"), ("es-419", "es"), ("zh-Hant-TW", "zh-TW"), ("", "")],
)
def test_customer_locale(given: Any, expected: str) -> None:
    assert locale_of(given) == expected


@pytest.mark.parametrize(
    ("company", "code"),
    [("UPS", "ups"), ("DHL Express", "dhl"), ("Canada Post", "canadapost"), ("Colissimo", "laposte"), ("Other", None)],
)
def test_tracking_company_names(company: str, code: str | None) -> None:
    assert carrier_code(company) == code
