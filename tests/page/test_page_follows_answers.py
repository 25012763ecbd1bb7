"""The page follows what others write about the order outside the carrier pipeline: the shop answering the
shopper's request or cancelling the order, a rating given from the feedback email, a new parcel. Each moves the
order's page version (no cached rendering shows the old state) and lapses its stored pages (the page job renders
them again, in any process)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import select

from app.catalog.shopper_requests import answer_request
from app.db import reading, writing
from app.ingest.orders import cancel_order
from app.ingest.schemas import ParcelItemIn, ShipmentIn
from app.ingest.shipments import create_shipment
from app.models import ChangeRequest, Notification, RenderedPage
from app.notify import links
from app.web.stored_pages import store_pages, store_pending
from tests.page.conftest import Shop, at_state
from tests.page.test_stored_pages import PAST_MEMO, rewrite_scans

CR, N, RP = ChangeRequest.__table__, Notification.__table__, RenderedPage.__table__


async def stored_at(runtime) -> dict[int, datetime]:
    async with reading(runtime.engine) as conn:
        return {row[0]: row[1] for row in await conn.execute(select(RP.c.shipment_id, RP.c.rendered_at))}


async def test_the_shops_answer_to_a_request_shows_on_the_page(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "not_found", order="A1")
    sent = await client.post(f"/t/{made.token}/change", data={"kind": "swap", "details": "Size M"})
    assert sent.status_code == 303
    assert "waiting for the shop" in (await client.get(f"/t/{made.token}")).text  # viewed: cached in this process
    state = SimpleNamespace(runtime=runtime)
    assert await store_pages(state, [made.shipment_id]) == 1
    before = await stored_at(runtime)
    async with reading(runtime.engine) as conn:
        request_id = (await conn.execute(select(CR.c.id).where(CR.c.order_id == made.order_id))).scalar_one()

    async with writing(runtime.engine) as conn:
        assert await answer_request(
            conn, merchant_id=shop.merchant_id, request_id=request_id, state="accepted", note=""
        )

    await asyncio.sleep(PAST_MEMO)
    page = (await client.get(f"/t/{made.token}")).text
    assert "Your request (Swap size or colour)" in page and ": accepted" in page
    assert "waiting for the shop" not in page
    assert await store_pending(state) == 1  # the stored page lapsed with the answer: rendered again
    assert (await stored_at(runtime))[made.shipment_id] > before[made.shipment_id]


async def test_a_rating_from_the_feedback_email_shows_on_the_page(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "delivered", order="F1")
    assert "How was your delivery?" in (page := (await client.get(f"/t/{made.token}")).text)
    assert 'name="rating"' in page  # the form, as no rating is known yet
    state = SimpleNamespace(runtime=runtime)
    assert await store_pages(state, [made.shipment_id]) == 1
    async with writing(runtime.engine) as conn:
        nid = (
            await conn.execute(
                N.insert().values(
                    merchant_id=shop.merchant_id,
                    order_id=made.order_id,
                    shipment_id=made.shipment_id,
                    trigger="feedback_request",
                    channel="email",
                    recipient="alex@example.com",
                    dedupe_key=f"feedback:{made.order_id}",
                    state="sent",
                    sent_at=datetime.now(UTC),
                )
            )
        ).inserted_primary_key[0]

    rated = await client.post(links.feedback_url("", runtime.settings.secret_key, nid, 5), data={"comment": "Great"})
    assert rated.status_code == 200

    await asyncio.sleep(PAST_MEMO)
    page = (await client.get(f"/t/{made.token}")).text
    assert "Thank you! You rated this delivery 5 out of 5." in page and 'name="rating"' not in page
    assert await store_pending(state) == 1


async def test_an_order_cancelled_through_the_api_has_its_stored_page_rendered_again(
    runtime, clock, shop: Shop, client
) -> None:
    made = await at_state(runtime, clock, shop, "in_transit", order="C1")
    state = SimpleNamespace(runtime=runtime)
    assert await store_pages(state, [made.shipment_id]) == 1
    assert await store_pending(state) == 0  # current: nothing to render

    async with writing(runtime.engine) as conn:
        now = datetime.now(UTC)
        assert await cancel_order(conn, merchant_id=shop.merchant_id, order_id=made.order_id, reason="other", now=now)

    assert await store_pending(state) == 1
    await rewrite_scans(runtime, made.shipment_id, "Built afresh")
    page = (await client.get(f"/t/{made.token}")).text  # this process never saw the page: its stored rendering
    assert "This order was cancelled." in page and "Built afresh" not in page


async def test_a_new_parcel_has_the_stored_pages_of_its_order_rendered_again(runtime, clock, shop: Shop, client):
    first = await at_state(runtime, clock, shop, "in_transit", order="P1", products=("vase", "mug"))
    state = SimpleNamespace(runtime=runtime)
    assert await store_pages(state, [first.shipment_id]) == 1
    data = ShipmentIn(
        order_number="P1", tracking_number="SBDL29000000077", carrier="sandbox", parcel_items=[ParcelItemIn(sku="MUG")]
    )
    second = await create_shipment(
        runtime.engine, merchant_id=shop.merchant_id, data=data, secret_key=runtime.settings.secret_key
    )
    assert await store_pending(state) == 2  # the first parcel's page lapsed; the new one's page is new
    await rewrite_scans(runtime, first.shipment_id, "Built afresh")
    page = (await client.get(f"/t/{first.token}")).text  # the stored rendering, made after the second parcel
    assert "Your order comes in 2 parcels" in page and f'href="/t/{second.token}"' in page
    assert "Glazed mug × 1" in page and "Built afresh" not in page
