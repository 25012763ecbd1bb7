"""What the shopper does from the page, over real HTTP: lookup, recommendation clicks, feedback, SMS opt-in and
change requests before shipping (stored, and emailed to the shop through real SMTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update

from app.db import reading, writing
from app.models import (
    ChangeRequest,
    Merchant,
    Order,
    PageEvent,
    Product,
    SurveyResponse,
    WebhookDelivery,
)
from app.recommend import recommendations
from tests.factories import shipment_row, subscribe
from tests.page.conftest import Shop, at_state, ship


async def rows(engine: Any, table: Any, *where: Any) -> list[Any]:
    async with reading(engine) as conn:
        return list((await conn.execute(select(table).where(*where))).all())


async def test_lookup_by_email_or_postal_code_redirects_to_the_page(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit", order="#A-1001")
    for contact in ("  ALEX@example.com ", "33000", "33 000"):
        answer = await client.post("/lumiere/track", data={"number": "a-1001", "contact": contact})
        assert answer.status_code == 303, contact
        assert answer.headers["location"] == f"/t/{made.token}"
    form = await client.get("/lumiere/track")
    assert form.status_code == 200 and 'name="contact"' in form.text


async def test_lookup_failures_all_look_the_same(runtime, clock, shop: Shop, client) -> None:
    await at_state(runtime, clock, shop, "in_transit", order="1001")
    wrong_contact = await client.post("/lumiere/track", data={"number": "1001", "contact": "eve@example.com"})
    wrong_number = await client.post("/lumiere/track", data={"number": "9999", "contact": "alex@example.com"})
    empty_email = await client.post("/lumiere/track", data={"number": "1001", "contact": "@"})
    assert wrong_contact.status_code == wrong_number.status_code == empty_email.status_code == 400
    message = "We could not find an order with these details."
    assert all(message in r.text for r in (wrong_contact, wrong_number, empty_email))
    assert (await client.get("/nosuchshop/track")).status_code == 404


async def test_lookup_is_rate_limited_per_order(runtime, clock, shop: Shop, client) -> None:
    await at_state(runtime, clock, shop, "in_transit", order="1001")
    codes = [
        (await client.post("/lumiere/track", data={"number": "1001", "contact": f"guess{i}@x.io"})).status_code
        for i in range(9)
    ]
    assert codes[:8] == [400] * 8 and codes[8] == 429
    # even the right answer is refused until the window passes: guessing gains nothing
    right = await client.post("/lumiere/track", data={"number": "1001", "contact": "alex@example.com"})
    assert right.status_code == 429 and "Too many attempts" in right.text


async def test_bare_tracking_number_shows_the_shipment_without_order_details(runtime, clock, shop: Shop, client):
    made = await at_state(runtime, clock, shop, "in_transit", order="ORD-Q7")
    number = (await shipment_row(runtime.engine, made.shipment_id)).tracking_number
    page = await client.post("/lumiere/track", data={"number": number.lower(), "contact": ""})
    assert page.status_code == 200 and "In transit</h1>" in page.text
    assert "ORD-Q7" not in page.text and "Alex" not in page.text and "Stoneware vase" not in page.text
    assert "/feedback" not in page.text and "/sms" not in page.text


async def test_lookup_by_custom_domain(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit", order="1001")
    async with writing(runtime.engine) as conn:
        table = Merchant.__table__
        await conn.execute(update(table).where(table.c.id == shop.merchant_id).values(custom_domain="track.lumiere.fr"))
    headers = {"host": "track.lumiere.fr"}
    answer = await client.post("/track", data={"number": "1001", "contact": "33000"}, headers=headers)
    assert answer.status_code == 303 and answer.headers["location"] == f"/t/{made.token}"
    assert (await client.get("/track", headers={"host": "elsewhere.example"})).status_code == 404


async def test_recommendations_follow_rules_then_bought_together_never_the_bought_product(runtime, clock, shop):
    made = await ship(runtime, shop, "DL", clock.now, order="R1", products=("vase",))
    # other orders: mugs and throws come with vases
    for n, products in enumerate([("vase", "mug"), ("vase", "mug", "throw"), ("vase", "throw"), ("mug", "lamp")]):
        await ship(runtime, shop, "DL", clock.now, order=f"H{n}", serial=10 + n, products=products)
    async with reading(runtime.engine) as conn:
        recs = await recommendations(conn, merchant_id=shop.merchant_id, order_id=made.order_id, limit=4)
    assert [(r.title, r.reason) for r in recs] == [
        ("Fig candle", "rule"),  # rule on the vase; the collection rule names the vase itself and is skipped
        ("Glazed mug", "bought_together"),
        ("Linen throw", "bought_together"),
    ]
    async with writing(runtime.engine) as conn:
        table = Merchant.__table__
        await conn.execute(update(table).where(table.c.id == shop.merchant_id).values(bought_together_enabled=False))
    async with reading(runtime.engine) as conn:
        recs = await recommendations(conn, merchant_id=shop.merchant_id, order_id=made.order_id, limit=4)
    assert [r.reason for r in recs] == ["rule"]


async def test_recommendation_click_redirects_only_to_the_shops_site_and_is_counted(runtime, clock, shop, site, client):
    made = await at_state(runtime, clock, shop, "in_transit", order="1001")
    page = await client.get(f"/t/{made.token}")
    candle = shop.product_ids["candle"]
    assert f'href="/t/{made.token}/r/{candle}"' in page.text
    click = await client.get(f"/t/{made.token}/r/{candle}")
    assert click.status_code == 303 and click.headers["location"] == "https://lumiere.example.com/products/candle"
    async with writing(runtime.engine) as conn:
        table = Product.__table__
        await conn.execute(
            update(table).where(table.c.id == shop.product_ids["mug"]).values(url="https://evil.example/phish")
        )
    assert (await client.get(f"/t/{made.token}/r/{shop.product_ids['mug']}")).status_code == 404
    other_shop, _ = await _other_shop_product(runtime)
    assert (await client.get(f"/t/{made.token}/r/{other_shop}")).status_code == 404
    table = PageEvent.__table__
    for _ in range(40):
        clicks = await rows(runtime.engine, table, table.c.kind == "rec_click")
        shown = await rows(runtime.engine, table, table.c.kind == "rec_impression")
        if clicks and shown:
            break
        await asyncio.sleep(0.1)
    assert [(c.product_id, c.order_id) for c in clicks] == [(candle, made.order_id)]
    assert {s.product_id for s in shown} == {candle}


async def _other_shop_product(runtime: Any) -> tuple[int, int]:
    from tests.page.conftest import make_shop

    other = await make_shop(runtime, "othershop")
    return other.product_ids["candle"], other.merchant_id


async def test_feedback_after_delivery(runtime, clock, shop: Shop, client) -> None:
    transit = await at_state(runtime, clock, shop, "in_transit", order="F0")
    early = await client.post(f"/t/{transit.token}/feedback", data={"rating": "5"})
    assert early.status_code == 422 and "once the parcel is delivered" in early.text
    made = await at_state(runtime, clock, shop, "delivered", order="F1")
    bad = await client.post(f"/t/{made.token}/feedback", data={"rating": "9", "comment": "x"})
    assert bad.status_code == 422 and "Choose a rating from 1 to 5." in bad.text
    sent = await client.post(f"/t/{made.token}/feedback?lang=fr", data={"rating": "4", "comment": "Fast, thanks"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/t/{made.token}?lang=fr#feedback"
    table = SurveyResponse.__table__
    [answer] = await rows(runtime.engine, table, table.c.order_id == made.order_id)
    assert (answer.kind, answer.rating, answer.comment, answer.source) == ("feedback", 4, "Fast, thanks", "page")
    page = await client.get(f"/t/{made.token}?lang=fr")
    assert "Merci ! Vous avez noté cette livraison 4 sur 5." in page.text


async def test_sms_opt_in_needs_a_valid_number_and_consent(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    url = f"/t/{made.token}/sms"
    no_consent = await client.post(url, data={"channel": "sms", "phone": "06 12 34 56 78"})
    assert no_consent.status_code == 422 and "Tick the box" in no_consent.text
    bad_phone = await client.post(url, data={"channel": "sms", "phone": "12", "consent": "yes"})
    assert bad_phone.status_code == 422 and "This phone number is not valid" in bad_phone.text
    ok = await client.post(url, data={"channel": "sms", "phone": "06 12 34 56 78", "consent": "yes"})
    assert ok.status_code == 303
    table = Order.__table__
    [order] = await rows(runtime.engine, table, table.c.id == made.order_id)
    assert order.sms_opt_in and order.sms_consent_at is not None
    assert (order.customer_phone, order.preferred_channel) == ("+33612345678", "sms")
    page = (await client.get(f"/t/{made.token}")).text
    assert "You get updates by SMS." in page and "612345678" not in page
    back = await client.post(url, data={"channel": "email"})
    assert back.status_code == 303
    [order] = await rows(runtime.engine, table, table.c.id == made.order_id)
    assert (order.sms_opt_in, order.preferred_channel) == (False, "email")


async def test_change_request_before_shipping_is_stored_and_emailed(runtime, clock, shop, client, mailbox) -> None:
    catcher, _ = mailbox
    made = await at_state(runtime, clock, shop, "not_found", order="1001")
    page = await client.get(f"/t/{made.token}")
    assert "Need to change something?" in page.text
    empty = await client.post(f"/t/{made.token}/change", data={"kind": "address"})
    assert empty.status_code == 422 and "Tell us what to change." in empty.text
    sent = await client.post(f"/t/{made.token}/change", data={"kind": "swap", "details": "Size M instead of L"})
    assert sent.status_code == 303
    table = ChangeRequest.__table__
    [request] = await rows(runtime.engine, table, table.c.order_id == made.order_id)
    assert (request.kind, request.details, request.state) == ("swap", {"text": "Size M instead of L"}, "open")
    page = await client.get(f"/t/{made.token}")
    assert "Your request (Swap size or colour)" in page.text and "waiting for the shop" in page.text
    for _ in range(50):
        if catcher.messages:
            break
        await asyncio.sleep(0.05)
    [mail] = [m for m in catcher.messages if m.recipients == ["help@lumiere.example.com"]]
    assert mail.message["Subject"] == "Order 1001: request to swap size or colour"
    assert "Size M instead of L" in mail.part("plain")


@pytest.mark.parametrize("state", ["in_transit", "delivered"])
async def test_no_change_requests_once_the_carrier_has_it(runtime, clock, shop: Shop, client, state) -> None:
    made = await at_state(runtime, clock, shop, state)
    assert "Need to change something?" not in (await client.get(f"/t/{made.token}")).text
    refused = await client.post(f"/t/{made.token}/change", data={"kind": "cancel"})
    assert refused.status_code == 422 and "already with the carrier" in refused.text


async def test_cross_site_form_posts_are_refused(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "delivered")
    answer = await client.post(
        f"/t/{made.token}/feedback", data={"rating": "1"}, headers={"origin": "https://evil.example"}
    )
    assert answer.status_code == 403


async def test_a_rating_and_a_request_from_the_page_reach_the_shops_webhooks(runtime, clock, shop, client) -> None:
    await subscribe(runtime.engine, shop.merchant_id, ["feedback.received", "change_request.created"])
    delivered = await at_state(runtime, clock, shop, "delivered", order="W1")
    assert (
        await client.post(f"/t/{delivered.token}/feedback", data={"rating": "2", "comment": "Box was crushed"})
    ).status_code == 303
    waiting = await at_state(runtime, clock, shop, "not_found", order="W2", serial=2)
    sent = await client.post(f"/t/{waiting.token}/change", data={"kind": "swap", "details": "Size M instead of L"})
    assert sent.status_code == 303

    table = WebhookDelivery.__table__
    deliveries = {d.event_type: d.payload["data"] for d in await rows(runtime.engine, table, table.c.id > 0)}
    rating, request = deliveries["feedback.received"], deliveries["change_request.created"]
    assert (rating["order_number"], rating["shipment_id"], rating["rating"]) == ("W1", delivered.shipment_id, 2)
    assert (rating["comment"], rating["source"]) == ("Box was crushed", "page")
    assert (request["order_number"], request["shipment_id"], request["kind"]) == ("W2", waiting.shipment_id, "swap")
    assert request["details"] == "Size M instead of L" and request["request_id"] > 0
