"""Pages rendered ahead: when a message leaves, the worker stores its shipment's page; a first view serves that
rendering while it is the page the view would build (same version, shop revision and language, not past its
time), and builds the page afresh otherwise. The shop's revision moves with every write to its row, products and
rules, whichever process makes it. The page job renders a stored page again when its shipment changes, when its
shop's edits settle, and when it lapses while its shipment is on its way; and it renders a new shipment's page."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from app.db import reading, writing
from app.models import Merchant, Product, RecommendationRule, RenderedPage, Shipment, TrackingEvent
from app.notify.dispatcher import dispatch_once
from app.tracking.poller import poll_once
from app.web.stored_pages import delete_expired, lapsed_pages, store_pages, store_pending, valid_until
from tests.page.conftest import Shop, at_state, make_shop
from tests.page.test_shop_changes import rec_titles

M, PR, RULE, SH, EV, RP = (
    t.__table__ for t in (Merchant, Product, RecommendationRule, Shipment, TrackingEvent, RenderedPage)
)
PAST_MEMO = 0.06  # a token's version is remembered for 50 ms


def state_of(runtime) -> SimpleNamespace:
    return SimpleNamespace(runtime=runtime)


async def rewrite_scans(runtime, shipment_id: int, words: str) -> None:
    """A change the page's version does not see: only a page built afresh shows it."""
    async with writing(runtime.engine) as conn:
        await conn.execute(update(EV).where(EV.c.shipment_id == shipment_id).values(description=words))


async def revision(runtime, merchant_id: int) -> int:
    async with reading(runtime.engine) as conn:
        return int((await conn.execute(select(M.c.page_revision).where(M.c.id == merchant_id))).scalar_one())


async def stored_count(runtime) -> int:
    async with reading(runtime.engine) as conn:
        return int((await conn.execute(select(func.count()).select_from(RP))).scalar_one())


async def test_the_first_view_after_a_message_serves_the_page_stored_when_it_left(
    runtime, clock, shop: Shop, client
) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    report = await dispatch_once(runtime, now=clock.now + timedelta(minutes=15))
    assert report.outcomes == {"sent": 1}
    assert runtime.pages_to_store == {made.shipment_id}
    assert await store_pending(state_of(runtime)) == 1
    assert runtime.pages_to_store == set() and await stored_count(runtime) == 1
    await rewrite_scans(runtime, made.shipment_id, "Rewritten after storing")

    page = await client.get(f"/t/{made.token}")
    assert page.status_code == 200
    assert "Rewritten after storing" not in page.text and "In transit" in page.text
    assert rec_titles(page.text) == ["Fig candle"]
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    assert f'nonce="{nonce}"' in page.text and "__CSP_NONCE__" not in page.text

    async with writing(runtime.engine) as conn:  # the shipment changes: its version moves
        await conn.execute(update(SH).where(SH.c.id == made.shipment_id).values(updated_at=clock.now))
    await asyncio.sleep(PAST_MEMO)
    assert "Rewritten after storing" in (await client.get(f"/t/{made.token}")).text


async def test_a_message_not_sent_queues_no_page(runtime, clock, shop: Shop) -> None:
    await at_state(runtime, clock, shop, "in_transit")
    async with writing(runtime.engine) as conn:  # the shop's cap reached: the message is deferred, not sent
        await conn.execute(update(M).where(M.c.id == shop.merchant_id).values(daily_message_cap=0))
    report = await dispatch_once(runtime, now=clock.now + timedelta(minutes=15))
    assert "sent" not in report.outcomes and report.claimed == 1
    assert runtime.pages_to_store == set()
    assert await store_pages(state_of(runtime), [987_654]) == 0  # an unknown shipment: nothing stored


async def due_now(runtime, clock, *shipment_ids: int) -> None:
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).values(next_poll_at=clock.now + timedelta(days=2)))
        await conn.execute(update(SH).where(SH.c.id.in_(shipment_ids)).values(next_poll_at=clock.now))


async def test_a_poll_that_changes_a_stored_page_renders_it_again_with_its_siblings_whoever_stored_it(
    runtime, clock, shop: Shop, client
) -> None:
    first = await at_state(runtime, clock, shop, "in_transit", order="S1", serial=1)
    second = await at_state(runtime, clock, shop, "in_transit", order="S1", serial=2)
    unstored = await at_state(runtime, clock, shop, "in_transit", order="S2", serial=3)
    assert first.order_id == second.order_id != unstored.order_id
    runtime.newest_shipment_seen = unstored.shipment_id  # the page job passed these by (new shipments: tested below)
    assert await store_pages(state_of(runtime), [first.shipment_id, second.shipment_id]) == 2

    await due_now(runtime, clock, first.shipment_id, unstored.shipment_id)  # the sibling is not polled
    clock.now += timedelta(hours=8)  # "Departed sorting centre": a new scan, the same status, no message
    report = await poll_once(runtime, now=clock.now)
    assert report.claimed == 2 and sum(a.new_events for a in report.applied) == 2
    # the sibling's page shows the order's newest change too; the order without a stored page queues nothing
    assert runtime.pages_to_store == {first.shipment_id, second.shipment_id}
    assert await store_pending(state_of(runtime)) == 2
    assert runtime.pages_to_store == set()
    for made in (first, second):
        await rewrite_scans(runtime, made.shipment_id, "Built afresh")
    pages = [(await client.get(f"/t/{made.token}")).text for made in (first, second)]
    assert all("Built afresh" not in page for page in pages)
    assert "Departed sorting centre" in pages[0]

    async with writing(runtime.engine) as conn:  # past its time: a change no longer renders it
        await conn.execute(update(RP).values(valid_until=datetime.now(UTC) - timedelta(minutes=1)))
    await due_now(runtime, clock, first.shipment_id)
    clock.now += timedelta(hours=14)  # "Arrived at delivery office"
    await poll_once(runtime, now=clock.now)
    assert runtime.pages_to_store == set()
    assert "Built afresh" in (await client.get(f"/t/{first.token}")).text


async def test_a_schedule_only_poll_queues_no_page(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    assert await store_pages(state_of(runtime), [made.shipment_id]) == 1
    await due_now(runtime, clock, made.shipment_id)
    report = await poll_once(runtime, now=clock.now + timedelta(minutes=5))  # the carrier says nothing new
    assert report.claimed == 1 and sum(a.new_events for a in report.applied) == 0
    assert runtime.pages_to_store == set()


async def test_a_shop_change_made_by_another_process_is_not_hidden_by_a_stored_page(
    runtime, clock, shop: Shop, client
) -> None:
    first = await at_state(runtime, clock, shop, "in_transit", order="S1", serial=1)
    second = await at_state(runtime, clock, shop, "in_transit", order="S2", serial=2)
    assert await store_pages(state_of(runtime), [first.shipment_id, second.shipment_id]) == 2
    for made in (first, second):
        await rewrite_scans(runtime, made.shipment_id, "Built afresh")
    async with runtime.engine.connect() as conn:  # straight on the driver: as another process, unseen by this one
        driver = (await conn.get_raw_connection()).driver_connection
        if runtime.engine.dialect.name == "sqlite":
            await driver.execute("UPDATE merchant SET announcement = ? WHERE id = ?", ("Winter sale", shop.merchant_id))
            await driver.commit()
        else:
            await driver.execute("UPDATE merchant SET announcement = $1 WHERE id = $2", "Winter sale", shop.merchant_id)
    page = (await client.get(f"/t/{first.token}")).text
    assert "Winter sale" in page and "Built afresh" in page

    assert await store_pages(state_of(runtime), [second.shipment_id]) == 1  # stored again at the new revision
    await rewrite_scans(runtime, second.shipment_id, "Built afresh twice")
    async with writing(runtime.engine) as conn:
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["candle"]).values(title="Cedar candle"))
    page = (await client.get(f"/t/{second.token}")).text
    assert rec_titles(page) == ["Cedar candle"] and "Built afresh twice" in page


async def test_a_stored_page_is_served_in_its_language_only(runtime, clock, shop: Shop, client) -> None:
    customer = {"name": "Camille Durand", "email": "camille@example.com", "locale": "fr", "timezone": "Europe/Paris"}
    made = await at_state(runtime, clock, shop, "in_transit", customer=customer)
    assert await store_pages(state_of(runtime), [made.shipment_id]) == 1
    async with reading(runtime.engine) as conn:
        assert (await conn.execute(select(RP.c.locale))).scalar_one() == "fr"
    await rewrite_scans(runtime, made.shipment_id, "Built afresh")
    browser_in_german = await client.get(f"/t/{made.token}", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert 'lang="fr"' in browser_in_german.text and "Built afresh" not in browser_in_german.text  # order's language
    picked = await client.get(f"/t/{made.token}?lang=de")
    assert 'lang="de"' in picked.text and "Built afresh" in picked.text


async def test_a_stored_page_past_its_time_is_not_served_and_is_deleted_once_not_renewed(
    runtime, clock, shop: Shop, client
) -> None:
    old = await at_state(runtime, clock, shop, "in_transit", order="E1", serial=1)
    fresh = await at_state(runtime, clock, shop, "in_transit", order="E2", serial=2)
    now = datetime.now(UTC)
    assert await store_pages(state_of(runtime), [old.shipment_id], now=now - timedelta(hours=4)) == 1
    assert await store_pages(state_of(runtime), [fresh.shipment_id], now=now) == 1
    await rewrite_scans(runtime, old.shipment_id, "Built afresh")
    assert "Built afresh" in (await client.get(f"/t/{old.token}")).text
    assert await delete_expired(runtime.engine, now) == 0  # under way: the page job renders it again
    async with writing(runtime.engine) as conn:  # ended over a week ago: it is not
        ended = {"status": "delivered", "status_changed_at": now - timedelta(days=8)}
        await conn.execute(update(SH).where(SH.c.id.in_([old.shipment_id, fresh.shipment_id])).values(**ended))
    assert await delete_expired(runtime.engine, now) == 1  # the lapsed one; the other is still in its time
    async with reading(runtime.engine) as conn:
        assert (await conn.execute(select(RP.c.shipment_id))).scalars().all() == [fresh.shipment_id]


async def lapse(runtime, minutes_ago: float, now: datetime) -> None:
    async with writing(runtime.engine) as conn:
        await conn.execute(update(RP).values(valid_until=now - timedelta(minutes=minutes_ago)))


async def stored_until(runtime) -> dict[int, datetime]:
    async with reading(runtime.engine) as conn:
        return {row[0]: row[1] for row in await conn.execute(select(RP.c.shipment_id, RP.c.valid_until))}


async def test_a_lapsed_page_is_rendered_again_while_its_shipment_is_under_way(
    runtime, clock, shop: Shop, client
) -> None:
    moving = await at_state(runtime, clock, shop, "in_transit", order="L1", serial=1)
    delivered_lately = await at_state(runtime, clock, shop, "delivered", order="L2", serial=2)
    delivered_long_ago = await at_state(runtime, clock, shop, "delivered", order="L3", serial=3)
    now = datetime.now(UTC)
    made = (moving, delivered_lately, delivered_long_ago)
    assert await store_pages(state_of(runtime), [m.shipment_id for m in made], now=now - timedelta(hours=3)) == 3
    await lapse(runtime, 1, now)
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).values(status_changed_at=now - timedelta(days=1)))
        await conn.execute(
            update(SH)
            .where(SH.c.id == delivered_long_ago.shipment_id)
            .values(status_changed_at=now - timedelta(days=8))  # KEPT_AFTER_END is 7 days
        )
    await rewrite_scans(runtime, moving.shipment_id, "Seen by the renewal")

    assert await store_pending(state_of(runtime), now=now) == 2
    renewed = {ship for ship, moment in (await stored_until(runtime)).items() if moment > now}
    assert renewed == {moving.shipment_id, delivered_lately.shipment_id}  # the long-ended one is left to lapse
    await rewrite_scans(runtime, moving.shipment_id, "Built afresh")
    page = (await client.get(f"/t/{moving.token}")).text
    assert "Seen by the renewal" in page and "Built afresh" not in page  # served as stored, rendered at its lapse
    assert await store_pending(state_of(runtime), now=now) == 0  # renewed pages are not lapsed any more


async def test_a_lapsed_page_that_fails_to_render_is_dropped_not_retried(
    runtime, clock, shop: Shop, client, monkeypatch
) -> None:
    import app.web.stored_pages as stored_pages

    made = await at_state(runtime, clock, shop, "in_transit")
    now = datetime.now(UTC)
    assert await store_pages(state_of(runtime), [made.shipment_id], now=now - timedelta(hours=3)) == 1
    await lapse(runtime, 1, now)
    attempts: list[str] = []

    async def broken(state, token, moment, stored):
        attempts.append(token)
        raise RuntimeError("template broke")

    monkeypatch.setattr(stored_pages, "_rendered_row", broken)
    assert await store_pending(state_of(runtime), now=now) == 0
    assert await stored_count(runtime) == 0 and len(attempts) == 1
    assert await store_pending(state_of(runtime), now=now) == 0 and len(attempts) == 1
    monkeypatch.undo()
    assert "In transit" in (await client.get(f"/t/{made.token}")).text  # built on view


async def test_a_new_shipment_gets_its_page_stored_without_a_message(runtime, clock, shop: Shop, client) -> None:
    """Shops that send the page's link in their own emails: a new shipment has its page rendered ahead once, unless it
    is created already ended. A worker's first look goes back ten minutes (shipments created while it restarted)."""
    older = await at_state(runtime, clock, shop, "in_transit", order="N0", serial=1)
    async with writing(runtime.engine) as conn:
        earlier = datetime.now(UTC) - timedelta(minutes=11)
        await conn.execute(update(SH).where(SH.c.id == older.shipment_id).values(created_at=earlier))
    during_restart = await at_state(runtime, clock, shop, "in_transit", order="N1", serial=2)
    assert await store_pending(state_of(runtime)) == 1  # the worker's first look
    assert set(await stored_until(runtime)) == {during_restart.shipment_id}

    moving = await at_state(runtime, clock, shop, "in_transit", order="N2", serial=3)
    ended = await at_state(runtime, clock, shop, "delivered", order="N3", serial=4)
    assert runtime.pages_to_store == set()  # no message left for any of them
    assert await store_pending(state_of(runtime)) == 1
    assert set(await stored_until(runtime)) == {during_restart.shipment_id, moving.shipment_id}
    for made in (moving, ended, older):
        await rewrite_scans(runtime, made.shipment_id, "Built afresh")
    assert "Built afresh" not in (await client.get(f"/t/{moving.token}")).text  # the stored rendering
    assert "Built afresh" in (await client.get(f"/t/{ended.token}")).text  # built on its view
    assert "Built afresh" in (await client.get(f"/t/{older.token}")).text
    assert await store_pending(state_of(runtime)) == 0  # each new shipment is looked at once


async def test_a_worker_down_for_hours_stores_the_pages_of_shipments_created_meanwhile(
    runtime, clock, shop: Shop
) -> None:
    """The first look after a restart starts where the page job had got to (the newest stored page), not only ten
    minutes back."""
    before = await at_state(runtime, clock, shop, "in_transit", order="H0", serial=1)
    assert await store_pending(state_of(runtime)) == 1  # the job ran: it stored the page of the shipment it saw
    down = [await at_state(runtime, clock, shop, "in_transit", order=f"H{n}", serial=n + 1) for n in (1, 2)]
    ids = [m.shipment_id for m in down]
    async with writing(runtime.engine) as conn:  # all created hours before the worker came back, these while none ran
        hours_ago = datetime.now(UTC) - timedelta(hours=3)
        await conn.execute(update(SH).where(SH.c.id.in_([before.shipment_id, *ids])).values(created_at=hours_ago))
    runtime.newest_shipment_seen = None  # a new worker process: its first look
    assert await store_pending(state_of(runtime)) == 2
    assert set(await stored_until(runtime)) == {before.shipment_id, *ids}
    assert await store_pending(state_of(runtime)) == 0


async def test_a_page_still_current_is_not_rendered_again_when_its_message_leaves(runtime, clock, shop: Shop) -> None:
    """A new shipment's page, stored moments before its first message leaves, is already the page a view would
    serve: the message does not render it a second time. Once the page is not current, it does."""
    await store_pending(state_of(runtime))  # the page job's first look
    made = await at_state(runtime, clock, shop, "in_transit", order="R1", serial=1)
    assert await store_pending(state_of(runtime)) == 1
    first = await stored_until(runtime)
    report = await dispatch_once(runtime, now=clock.now + timedelta(minutes=15))
    assert report.outcomes == {"sent": 1} and runtime.pages_to_store == {made.shipment_id}
    assert await store_pending(state_of(runtime)) == 0
    assert await stored_until(runtime) == first and runtime.pages_to_store == set()

    async with writing(runtime.engine) as conn:  # the shipment changes: its version moves
        await conn.execute(update(SH).where(SH.c.id == made.shipment_id).values(updated_at=clock.now))
    runtime.queue_pages([made.shipment_id])
    assert await store_pending(state_of(runtime)) == 1


async def test_new_shipments_are_rendered_a_few_per_tick(runtime, clock, shop: Shop, monkeypatch) -> None:
    """A bulk import does not take the worker's whole tick: new shipments' pages go NEW_PER_TICK at a time, oldest
    first, and the rest on the next ticks."""
    import app.web.stored_pages as stored_pages

    monkeypatch.setattr(stored_pages, "NEW_PER_TICK", 2)
    made = [await at_state(runtime, clock, shop, "in_transit", order=f"B{n}", serial=n) for n in range(1, 4)]
    ids = [m.shipment_id for m in made]
    assert await store_pending(state_of(runtime)) == 2
    assert set(await stored_until(runtime)) == set(ids[:2])
    assert await store_pending(state_of(runtime)) == 1
    assert set(await stored_until(runtime)) == set(ids)
    assert await store_pending(state_of(runtime)) == 0


async def test_pages_that_lapsed_while_the_page_job_was_held_up_are_rendered_again(runtime, clock, shop: Shop) -> None:
    late = await at_state(runtime, clock, shop, "in_transit", order="W1", serial=1)
    later = await at_state(runtime, clock, shop, "in_transit", order="W2", serial=2)
    now = datetime.now(UTC)
    ids = [late.shipment_id, later.shipment_id]
    assert await store_pages(state_of(runtime), ids, now=now - timedelta(hours=3)) == 2
    async with writing(runtime.engine) as conn:  # a worker down for an hour: both lapsed meanwhile
        for shipment_id, minutes_ago in ((late.shipment_id, 70), (later.shipment_id, 20)):
            until = now - timedelta(minutes=minutes_ago)
            await conn.execute(update(RP).where(RP.c.shipment_id == shipment_id).values(valid_until=until))
    assert await lapsed_pages(runtime.engine, now, 1) == [late.shipment_id]  # the oldest lapse first
    assert await store_pending(state_of(runtime), now=now) == 2
    assert all(moment > now for moment in (await stored_until(runtime)).values())
    assert await delete_expired(runtime.engine, now) == 0


async def test_a_shop_edit_renders_its_stored_pages_again_once_the_edits_settle(
    runtime, clock, shop: Shop, client
) -> None:
    first = await at_state(runtime, clock, shop, "in_transit", order="R1", serial=1)
    second = await at_state(runtime, clock, shop, "in_transit", order="R2", serial=2)
    other_shop = await make_shop(runtime, slug="other-shop")
    elsewhere = await at_state(runtime, clock, other_shop, "in_transit", order="R3", serial=3)
    made = (first, second, elsewhere)
    assert await store_pages(state_of(runtime), [m.shipment_id for m in made]) == 3
    now = datetime.now(UTC)
    async with writing(runtime.engine) as conn:  # clear of the shops' local midnights whenever the test runs
        await conn.execute(update(RP).values(valid_until=now + timedelta(days=1)))

    async def announce(words: str) -> None:
        async with writing(runtime.engine) as conn:
            await conn.execute(update(M).where(M.c.id == shop.merchant_id).values(announcement=words))

    assert await store_pending(state_of(runtime), now=now) == 0  # the page job reads the shops' revisions
    await announce("Winter sale")
    assert await store_pending(state_of(runtime), now=now + timedelta(seconds=10)) == 0  # seen; not settled
    await announce("Winter sale ends Sunday")
    assert await store_pending(state_of(runtime), now=now + timedelta(seconds=50)) == 0  # moved again
    assert await store_pending(state_of(runtime), now=now + timedelta(seconds=80)) == 0
    assert await store_pending(state_of(runtime), now=now + timedelta(seconds=111)) == 2  # settled: this shop's
    assert runtime.shops_restyled == {}
    assert await store_pending(state_of(runtime), now=now + timedelta(seconds=115)) == 0

    for made_one in (first, second):
        await rewrite_scans(runtime, made_one.shipment_id, "Built afresh")
    pages = [(await client.get(f"/t/{m.token}")).text for m in (first, second)]
    assert all("Winter sale ends Sunday" in page and "Built afresh" not in page for page in pages)


async def test_an_ended_shipments_page_is_stored_once_until_a_week_after_its_end(runtime, clock, shop: Shop) -> None:
    """Nothing on a delivered page depends on the day: it is not rendered again every three hours."""
    delivered = await at_state(runtime, clock, shop, "delivered", order="D1", serial=1)
    moving = await at_state(runtime, clock, shop, "in_transit", order="D2", serial=2)
    now = datetime.now(UTC)
    ended_at = now - timedelta(days=1)
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).values(status_changed_at=ended_at))
    assert await store_pages(state_of(runtime), [delivered.shipment_id, moving.shipment_id], now=now) == 2
    until = await stored_until(runtime)
    assert until[delivered.shipment_id] == ended_at + timedelta(days=7)
    assert until[moving.shipment_id] <= now + timedelta(hours=3)
    later = until[moving.shipment_id] + timedelta(minutes=1)  # the page under way lapsed: renewed, not the other
    assert await store_pending(state_of(runtime), now=later) == 1
    assert (await stored_until(runtime))[delivered.shipment_id] == ended_at + timedelta(days=7)


def test_a_stored_page_lasts_three_hours_or_until_its_local_midnight() -> None:
    paris = ZoneInfo("Europe/Paris")
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert valid_until(morning, paris) == morning + timedelta(hours=3)
    evening = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 22:30 in Paris: its midnight is 23:00 UTC
    assert valid_until(evening, paris) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    tokyo = ZoneInfo("Asia/Tokyo")  # 06:30 the next day there: three hours on
    assert valid_until(evening, tokyo) == evening + timedelta(hours=3)
    delivered = evening - timedelta(days=2)  # ended: a week after its end, whatever the zone's midnight
    assert valid_until(evening, paris, ended_at=delivered) == delivered + timedelta(days=7)
    long_ago = evening - timedelta(days=30)  # a page rendered long after its end still lasts three hours
    assert valid_until(evening, paris, ended_at=long_ago) == evening + timedelta(hours=3)


async def test_the_shop_revision_moves_with_its_row_products_and_rules_only(runtime, clock, shop: Shop) -> None:
    other = await make_shop(runtime, slug="autre")
    made = await at_state(runtime, clock, shop, "in_transit")
    mine, theirs = await revision(runtime, shop.merchant_id), await revision(runtime, other.merchant_id)
    writes = [
        update(M).where(M.c.id == shop.merchant_id).values(primary_color="#224466"),
        update(PR).where(PR.c.id == shop.product_ids["mug"]).values(price_cents=3100),
        PR.insert().values(
            merchant_id=shop.merchant_id,
            external_id="jug",
            title="Jug",
            url="https://lumiere.example.com/products/jug",
            currency="EUR",
            updated_at=clock.now,
        ),
        delete(PR).where(PR.c.external_id == "jug", PR.c.merchant_id == shop.merchant_id),
        RULE.insert().values(
            merchant_id=shop.merchant_id, when_kind="product", when_value="mug", product_id=shop.product_ids["bowl"]
        ),
        delete(RULE).where(RULE.c.merchant_id == shop.merchant_id, RULE.c.when_value == "mug"),
    ]
    for statement in writes:
        async with writing(runtime.engine) as conn:
            await conn.execute(statement)
        moved = await revision(runtime, shop.merchant_id)
        assert moved > mine, statement
        mine = moved
    async with writing(runtime.engine) as conn:  # the page's own rows move its version, not the shop's revision
        await conn.execute(update(SH).where(SH.c.id == made.shipment_id).values(updated_at=clock.now))
        await conn.execute(update(EV).where(EV.c.shipment_id == made.shipment_id).values(location="Lyon"))
    assert await revision(runtime, shop.merchant_id) == mine
    assert await revision(runtime, other.merchant_id) == theirs
