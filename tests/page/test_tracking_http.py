"""The tracking page over real HTTP: every sandbox state, masking, languages, headers, the live probe and 404s."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from app.db import writing
from app.ingest.parcel_items import set_parcel_items
from app.ingest.schemas import ParcelItemIn
from app.models import Merchant, Shipment
from app.web.page_cache import VersionMemo
from tests.page.conftest import STATES, Shop, at_state


@pytest.mark.parametrize("state", sorted(STATES))
async def test_every_sandbox_state_renders_its_status(runtime, clock, shop: Shop, client, state) -> None:
    made = await at_state(runtime, clock, shop, state)
    page = await client.get(f"/t/{made.token}")
    assert page.status_code == 200
    heading = re.search(r'<h1 id="status-heading">(.*?)</h1>', page.text)
    assert heading is not None and heading.group(1) == STATES[state][2]
    assert page.text.count('aria-current="step"') == 1


async def test_action_required_tells_the_shopper_what_to_do(runtime, clock, shop: Shop, client) -> None:
    customs = await at_state(runtime, clock, shop, "customs", order="C1")
    pickup = await at_state(runtime, clock, shop, "pickup", order="P1")
    text = (await client.get(f"/t/{customs.token}")).text
    assert "Import duties are due" in text
    text = (await client.get(f"/t/{pickup.token}")).text
    assert "Collect your parcel" in text and "Pickup point: Bordeaux delivery office" in text


async def test_late_shipment_says_so_and_delivered_one_does_not(runtime, clock, shop: Shop, client) -> None:
    late = await at_state(runtime, clock, shop, "stuck", order="L1")
    done = await at_state(runtime, clock, shop, "delivered", order="D1")
    assert "Running late" in (await client.get(f"/t/{late.token}")).text
    assert "Running late" not in (await client.get(f"/t/{done.token}")).text


async def test_personal_data_is_masked(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(
        runtime,
        clock,
        shop,
        "in_transit",
        customer={"name": "Alexandra Dupont-Moreau", "email": "alex@example.com", "phone": "+33612345678"},
        address={"city": "Bordeaux", "postal_code": "33800", "country": "FR"},
    )
    text = (await client.get(f"/t/{made.token}")).text
    assert "Hi Alexandra," in text
    assert "Dupont" not in text and "alex@example.com" not in text and "612345678" not in text
    assert "33800" not in text and "Bordeaux, 33…" in text


async def test_languages_from_query_order_and_browser(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "out_for_delivery")
    expected = {
        "fr": "En cours de livraison",
        "de": "In Zustellung",
        "es": "En reparto",
        "ja": "配達中",
        "ru": "Передан курьеру",
        "en": "Out for delivery",
    }
    for lang, heading in expected.items():
        page = await client.get(f"/t/{made.token}?lang={lang}")
        assert f'<html lang="{lang}">' in page.text
        assert f'<h1 id="status-heading">{heading}</h1>' in page.text
        assert 'href="?lang=ru"' in page.text  # the picker is plain links
    german = {"accept-language": "de-DE,de;q=0.9"}
    assert "Out for delivery</h1>" in (await client.get(f"/t/{made.token}", headers=german)).text  # order's locale
    unset = await at_state(runtime, clock, shop, "out_for_delivery", order="B1", serial=2, customer={"name": "Kim"})
    assert "In Zustellung</h1>" in (await client.get(f"/t/{unset.token}", headers=german)).text
    ru = await client.get(f"/t/{made.token}?lang=ru")  # ?lang= (the picker) outranks the order's locale
    assert "1 товар в этом заказе" in ru.text  # Babel plural forms


async def test_security_headers(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    page = await client.get(f"/t/{made.token}")
    csp = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in page.text and "__CSP_NONCE__" not in page.text
    assert "frame-ancestors 'none'" in csp and page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "noindex" in page.headers["x-robots-tag"]
    second = await client.get(f"/t/{made.token}")  # served from the cache: a fresh nonce all the same
    assert re.search(r"'nonce-([^']+)'", second.headers["content-security-policy"]).group(1) != nonce
    async with writing(runtime.engine) as conn:
        await conn.execute(
            update(Merchant.__table__)
            .where(Merchant.__table__.c.id == shop.merchant_id)
            .values(frame_ancestors="https://lumiere.example.com javascript:alert(1)")
        )
    await asyncio.sleep(VersionMemo().ttl + 0.1)  # a page version is remembered that long between views
    framed = await client.get(f"/t/{made.token}")
    assert "frame-ancestors https://lumiere.example.com" in framed.headers["content-security-policy"]
    assert "javascript" not in framed.headers["content-security-policy"] and "x-frame-options" not in framed.headers


async def test_unknown_and_revoked_tokens_get_the_same_404(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    bogus = await client.get("/t/" + "A" * 32)
    junk = await client.get("/t/short")
    async with writing(runtime.engine) as conn:
        table = Shipment.__table__
        await conn.execute(update(table).where(table.c.id == made.shipment_id).values(token_hash="revoked"))
    revoked = await client.get(f"/t/{made.token}")
    assert bogus.status_code == junk.status_code == revoked.status_code == 404
    assert bogus.text == junk.text  # nothing tells a guessed token from a revoked one


async def test_live_probe_changes_when_the_shipment_moves(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    first = (await client.get(f"/t/{made.token}/live")).json()["v"]
    assert (await client.get(f"/t/{made.token}/live")).json()["v"] == first
    from datetime import timedelta

    from app.tracking.poller import poll_once

    clock.now += timedelta(hours=30)
    async with writing(runtime.engine) as conn:
        table = Shipment.__table__
        await conn.execute(update(table).where(table.c.id == made.shipment_id).values(next_poll_at=clock.now))
    await poll_once(runtime, now=clock.now)
    assert (await client.get(f"/t/{made.token}/live")).json()["v"] != first
    page = await client.get(f"/t/{made.token}")
    assert "Out for delivery</h1>" in page.text  # the cached render was replaced


async def test_split_order_lists_every_shipment(runtime, clock, shop: Shop, client) -> None:
    first = await at_state(runtime, clock, shop, "delivered", order="S1")
    second = await at_state(runtime, clock, shop, "in_transit", order="S1", serial=2)
    text = (await client.get(f"/t/{first.token}")).text
    assert "Your order comes in 2 parcels" in text and f'href="/t/{second.token}"' in text


async def test_each_parcel_of_a_split_order_shows_its_own_items(runtime, clock, shop: Shop, client) -> None:
    """Where the shop said which items each parcel carries: this parcel's items, the other parcel's beside its
    number, and what has not shipped yet; in the shopper's language."""
    products = ("vase", "mug", "throw")
    first = await at_state(runtime, clock, shop, "delivered", order="S2", products=products)
    second = await at_state(runtime, clock, shop, "in_transit", order="S2", serial=2, products=products)
    now = datetime.now(UTC)
    async with writing(runtime.engine) as conn:
        for made, skus in ((first, ["VASE"]), (second, ["MUG"])):
            wanted = [ParcelItemIn(sku=sku) for sku in skus]
            await set_parcel_items(conn, order_id=made.order_id, shipment_id=made.shipment_id, wanted=wanted, now=now)

    page = (await client.get(f"/t/{first.token}")).text
    mine = page[page.index('id="items-heading"') : page.index("</section>", page.index('id="items-heading"'))]
    assert "1 item in this parcel" in mine and "Stoneware vase" in mine
    assert mine.index("Not shipped yet") < mine.index("Linen throw") and "Glazed mug" not in mine
    assert f'href="/t/{second.token}"' in page and "Glazed mug × 1" in page
    french = (await client.get(f"/t/{second.token}?lang=fr")).text
    assert "1 article dans ce colis" in french and "Pas encore expédié" in french and "Stoneware vase × 1" in french


async def test_without_parcel_items_the_page_lists_the_orders_items(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit", order="S3", products=("vase", "mug"))
    page = (await client.get(f"/t/{made.token}")).text
    assert "2 items in this order" in page and "in this parcel" not in page and "Not shipped yet" not in page


async def test_page_views_are_recorded_in_the_background(runtime, clock, shop: Shop, site) -> None:
    from sqlalchemy import func, select

    from app.db import reading
    from app.models import PageEvent

    made = await at_state(runtime, clock, shop, "in_transit")
    async with httpx.AsyncClient(base_url=site) as http:
        for agent in ("phone", "phone", "laptop", "phone"):  # a reload within a minute counts once
            assert (await http.get(f"/t/{made.token}", headers={"user-agent": agent})).status_code == 200

    table = PageEvent.__table__
    for _ in range(40):
        async with reading(runtime.engine) as conn:
            views = (
                await conn.execute(
                    select(func.count()).where(table.c.kind == "view", table.c.order_id == made.order_id)
                )
            ).scalar()
        if views == 2:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    assert views == 2


async def test_page_events_still_queued_are_written_when_the_app_stops(runtime, shop: Shop) -> None:
    from sqlalchemy import func, select

    from app.db import reading
    from app.models import PageEvent
    from app.web.page_events import PageEventQueue

    events = PageEventQueue(runtime.engine, interval=3600)  # its own flush would come far too late
    events.record(merchant_id=shop.merchant_id, kind="lookup", visitor="v1")
    events.record(merchant_id=shop.merchant_id, kind="lookup", visitor="v2")
    running = events._task
    assert running is not None and not running.done()
    await events.close()
    assert running.cancelled()
    async with reading(runtime.engine) as conn:
        table = PageEvent.__table__
        count = select(func.count()).where(table.c.merchant_id == shop.merchant_id, table.c.kind == "lookup")
        assert (await conn.execute(count)).scalar() == 2


async def test_page_events_caught_mid_write_by_the_stop_are_written_by_the_last_flush(
    runtime, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush cancelled in the middle of its write (the app stopping) puts its batch back: the last flush writes
    it, and the cancellation is not mistaken for a failed flush."""
    from sqlalchemy import func, select

    from app.db import reading
    from app.models import PageEvent
    from app.tracking.bulk import DriverStatement
    from app.web.page_events import PageEventQueue

    writing_started, real = asyncio.Event(), DriverStatement.insert_many
    calls: list[int] = []

    async def first_write_hangs(self: DriverStatement, conn: object, rows: object) -> int:
        calls.append(1)
        if len(calls) == 1:
            writing_started.set()
            await asyncio.Event().wait()  # until cancelled
        return await real(self, conn, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(DriverStatement, "insert_many", first_write_hangs)
    events = PageEventQueue(runtime.engine, interval=0)
    for visitor in ("v1", "v2", "v3"):
        events.record(merchant_id=shop.merchant_id, kind="lookup", visitor=visitor)
    await asyncio.wait_for(writing_started.wait(), 5)
    await events.close()
    assert len(calls) == 2
    async with reading(runtime.engine) as conn:
        table = PageEvent.__table__
        count = select(func.count()).where(table.c.merchant_id == shop.merchant_id, table.c.kind == "lookup")
        assert (await conn.execute(count)).scalar() == 3


async def test_a_large_flush_is_written_in_slices_with_pages_served_between(
    runtime, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy second's events are bound and written 300 rows at a time, in one transaction, and the event loop
    runs other work between slices (binding them all at once held it for 30+ ms)."""
    from sqlalchemy import func, select

    from app.db import reading
    from app.models import PageEvent
    from app.tracking.bulk import DriverStatement
    from app.web.page_events import PageEventQueue

    events = PageEventQueue(runtime.engine, interval=3600)
    for n in range(700):
        events.record(merchant_id=shop.merchant_id, kind="lookup", visitor=f"v{n}")
    turns, slices, real = [0], [], DriverStatement.insert_many

    async def counted(self: DriverStatement, conn: object, rows: list[object]) -> int:
        slices.append((len(rows), turns[0]))
        return await real(self, conn, rows)  # type: ignore[arg-type]

    async def other_work() -> None:
        while True:
            turns[0] += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(DriverStatement, "insert_many", counted)
    ticking = asyncio.create_task(other_work())
    try:
        assert await events.flush() == 700
    finally:
        ticking.cancel()
    assert [size for size, _ in slices] == [300, 300, 100]
    assert slices[0][1] < slices[1][1] < slices[2][1]
    await events.close()
    async with reading(runtime.engine) as conn:
        table = PageEvent.__table__
        count = select(func.count()).where(table.c.merchant_id == shop.merchant_id, table.c.kind == "lookup")
        assert (await conn.execute(count)).scalar() == 700


def test_views_repeated_within_the_window_count_once_and_the_window_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page view or impression seen again within a minute is not counted again; the keys remembered are bounded
    (the oldest leave first), so a busy minute never makes each new view re-examine all of them."""
    from types import SimpleNamespace

    import app.web.page_events as page_events

    now = [1000.0]
    monkeypatch.setattr(page_events, "time", SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.setattr(page_events, "MAX_SEEN", 3)
    events = page_events.PageEventQueue(engine=None, interval=3600)  # type: ignore[arg-type]
    key = ("view", 1, None, "v1")
    assert events._repeat(key) is False
    now[0] += 59
    assert events._repeat(key) is True
    now[0] += 2  # a minute after it was counted
    assert events._repeat(key) is False
    for n in range(2, 6):
        assert events._repeat(("view", n, None, "v1")) is False
    assert list(events._seen) == [("view", n, None, "v1") for n in (3, 4, 5)]
    assert events._repeat(("view", 5, None, "v1")) is True
    assert events._repeat(key) is False  # left early, beyond the bound: counted again
    now[0] += 61
    assert events._repeat(("view", 9, None, "v1")) is False
    assert list(events._seen) == [("view", 9, None, "v1")]  # the expired ones left from the front
