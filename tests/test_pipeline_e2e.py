"""End to end: shipment created through the API → poll ticks → events stored → email over SMTP → page shows it."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx

from app.notify.dispatcher import dispatch_once
from app.tracking.poller import poll_once
from app.web.app import create_app
from app.web.page_cache import VersionMemo
from carriers.sandbox.scenarios import make_number
from tests.factories import events_of, make_merchant, notifications_of, shipment_row
from tests.servers import serve

LINK = re.compile(r"http://track\.test(/t/[A-Za-z0-9_-]{32})")


async def test_shipment_flows_from_api_to_email_to_tracking_page(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    _, api_key = await make_merchant(runtime.engine, support_email="help@acme.test")
    number = make_number("DL", clock.now)
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as web:
        created = await web.post(
            "/api/v1/shipments",
            headers={"Authorization": f"Bearer {api_key}"},
            json={
                "order_number": "A-100",
                "tracking_number": number,
                "carrier": "sandbox",
                "customer": {"name": "Alex Doe", "email": "alex@example.com", "locale": "en"},
                "items": [{"title": "Stoneware vase", "quantity": 2}],
            },
        )
        assert created.status_code == 201, created.text
        shipment = created.json()
        assert shipment["status"] == "pending"
        page_path = LINK.match(shipment["tracking_url"]).group(1)

        # 7 sandbox hours in: label + pickup + departure scans
        clock.now += timedelta(hours=11)
        report = await poll_once(runtime, now=clock.now)
        assert report.claimed == 1 and report.status_changes == 1 and report.notifications == 1
        row = await shipment_row(runtime.engine, shipment["id"])
        assert row.status == "in_transit"
        assert [e.carrier_code for e in await events_of(runtime.engine, row.id)] == ["LBL", "PKU", "DEP"]

        sent = await dispatch_once(runtime, now=clock.now)
        assert sent.outcomes == {"sent": 1}
        assert len(catcher.messages) == 1
        mail = catcher.messages[0]
        assert mail.recipients == ["alex@example.com"]
        assert "Your order is on its way" in str(mail.message["subject"])
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert LINK.search(mail.part("plain")).group(1) == page_path
        assert f'href="http://track.test{page_path}"' in mail.part("html")

        page = await web.get(page_path)
        assert page.status_code == 200
        assert "In transit" in page.text and "Departed facility" in page.text
        assert "Stoneware vase" in page.text and "Alex" in page.text and "alex@example.com" not in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"

        # The parcel is delivered 57 sandbox hours in; polling at the due time picks it up.
        clock.now += timedelta(hours=50)
        row = await shipment_row(runtime.engine, shipment["id"])
        assert row.next_poll_at <= clock.now
        report = await poll_once(runtime, now=clock.now)
        assert report.status_changes == 1
        await dispatch_once(runtime, now=clock.now)
        assert [str(m.message["subject"]).split(" ·")[0] for m in catcher.messages] == [
            "Your order is on its way",
            "Your order has been delivered",
        ]
        row = await shipment_row(runtime.engine, shipment["id"])
        assert row.status == "delivered" and row.next_poll_at is None and row.signed_by == "Front door"
        # The page remembers a token's version for a blink between views (app/web/page_cache.VersionMemo); poll and
        # dispatch can take less than that, so wait it out as a shopper's next visit would.
        await asyncio.sleep(VersionMemo().ttl + 0.05)
        page = await web.get(page_path)
        assert "Delivered" in page.text and "Delivered, left at front door" in page.text

    # Nothing is due any more; a forced re-apply of the same history adds no event and no message.
    assert (await poll_once(runtime, now=clock.now + timedelta(days=3))).claimed == 0
    assert len(await events_of(runtime.engine, row.id)) == 8
    assert [n.trigger for n in await notifications_of(runtime.engine, row.id)] == ["shipped", "delivered"]


async def test_unknown_token_gives_neutral_404_page(runtime) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as web:
        for path in ("/t/" + "A" * 32, "/t/short", "/t/../../etc/passwd", "/nothing-here"):
            response = await web.get(path)
            assert response.status_code == 404
            assert "We could not find this tracking page" in response.text
            assert "Traceback" not in response.text
