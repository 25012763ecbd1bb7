"""Shipment console pages over HTTP: search and filters, detail, link revocation (owner, CSRF), other shops 404."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select

from app.db import writing
from app.ingest.parcel_items import set_parcel_items
from app.ingest.schemas import ParcelItemIn
from app.models import MessageEvent, Notification, NotificationAttempt, Shipment, TrackingEvent
from tests.console_data.seed import T0, add_order, add_shipment
from tests.console_support import sign_in

SH = Shipment.__table__


async def _seed(engine, console) -> dict[str, int]:
    async with writing(engine) as conn:
        order = await add_order(conn, console.shop, "A-1001", email="ann@example.com", items=("vase",))
        mine = await add_shipment(conn, console.shop, order, "SBIT10000001", status="exception", action_required=True)
        quiet = await add_shipment(conn, console.shop, order, "SBIT10000002", updated_at=T0 - timedelta(days=1))
        theirs_order = await add_order(conn, console.other, "Z-1", email="zed@example.com")
        theirs = await add_shipment(conn, console.other, theirs_order, "SBZZ10000001")
        await conn.execute(
            TrackingEvent.__table__.insert().values(
                shipment_id=mine, fingerprint="f1", occurred_at=T0, status="exception", description="Address problem"
            )
        )
        note = await conn.execute(
            Notification.__table__.insert().values(
                merchant_id=console.shop,
                order_id=order,
                shipment_id=mine,
                trigger="exception",
                channel="email",
                recipient="ann@example.com",
                dedupe_key="d1",
                state="sent",
                attempts=1,
                sent_at=T0,
            )
        )
        notification_id = note.inserted_primary_key[0]
        await conn.execute(
            NotificationAttempt.__table__.insert().values(notification_id=notification_id, outcome="sent")
        )
        for kind in ("open", "open", "click"):
            await conn.execute(
                MessageEvent.__table__.insert().values(
                    merchant_id=console.shop, notification_id=notification_id, kind=kind
                )
            )
    return {"mine": mine, "quiet": quiet, "theirs": theirs}


async def test_list_search_filters_and_detail(console, runtime) -> None:
    ids = await _seed(runtime.engine, console)
    listing = await console.client.get("/console/shipments")
    assert listing.status_code == 200
    assert listing.text.index("SBIT10000001") < listing.text.index("SBIT10000002")
    assert "SBZZ10000001" not in listing.text and "zed@example.com" not in listing.text
    found = await console.client.get("/console/shipments", params={"q": "ann@example.com", "trouble": "1"})
    assert "SBIT10000001" in found.text and "SBIT10000002" not in found.text
    assert 'value="ann@example.com"' in found.text  # the search stays in its box
    bad = await console.client.get("/console/shipments", params={"status": "lost", "q": "A-1"})
    assert bad.status_code == 400 and "is not a shipment status" in bad.text and 'value="A-1"' in bad.text

    detail = await console.client.get(f"/console/shipments/{ids['mine']}")
    assert detail.status_code == 200
    for text in ("Address problem", "Item 0", "exception", "2 / 1", "ann@example.com", "http://track.test/t/"):
        assert text in detail.text, text
    assert (await console.client.get(f"/console/shipments/{ids['theirs']}")).status_code == 404


async def test_the_detail_shows_what_the_parcel_carries(console, runtime) -> None:
    ids = await _seed(runtime.engine, console)
    path = f"/console/shipments/{ids['mine']}"
    assert "In this parcel" not in (await console.client.get(path)).text  # the shop never said
    async with writing(runtime.engine) as conn:
        order_id = (await conn.execute(select(SH.c.order_id).where(SH.c.id == ids["mine"]))).scalar_one()
        wanted = [ParcelItemIn(product_id="vase")]
        await set_parcel_items(conn, order_id=order_id, shipment_id=ids["mine"], wanted=wanted, now=T0)
    detail = (await console.client.get(path)).text
    carried = detail[detail.index('id="parcel-items"') :]
    assert "In this parcel" in detail and carried[: carried.index("</ul>")].count("<li>1 × Item 0</li>") == 1


async def test_revoking_the_link_needs_owner_and_csrf(console, runtime, console_server) -> None:
    ids = await _seed(runtime.engine, console)
    path = f"/console/shipments/{ids['mine']}"
    before = (await console.client.get(path)).text
    old_link = before.split('id="shopper-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert (await console.client.post(f"{path}/revoke-link", data={}, headers=console.origin)).status_code == 403
    other = await console.client.post(
        f"/console/shipments/{ids['theirs']}/revoke-link", data=console.form(), headers=console.origin
    )
    assert other.status_code == 404
    async with httpx.AsyncClient(base_url=console_server) as staff:
        staff_csrf = await sign_in(staff, runtime.engine, console.shop, role="staff")
        refused = await staff.post(f"{path}/revoke-link", data={"csrf_token": staff_csrf}, headers=console.origin)
        assert refused.status_code == 403
        shopper = await staff.get(old_link.replace("http://track.test", ""))
        assert shopper.status_code == 200
    done = await console.client.post(f"{path}/revoke-link", data=console.form(), headers=console.origin)
    assert done.status_code == 303
    after = (await console.client.get(done.headers["location"])).text
    new_link = after.split('id="shopper-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert new_link != old_link and "revoked" in after
    await asyncio.sleep(0.1)  # the page remembers a token's version for 50 ms (bursts of views cost one query)
    assert (await console.client.get(old_link.replace("http://track.test", ""))).status_code == 404
    assert (await console.client.get(new_link.replace("http://track.test", ""))).status_code == 200
