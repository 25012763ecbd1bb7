"""The tracking page in a real browser: every state renders and passes axe-core with zero violations, keyboard use,
no-JS mode, language switch, live update, recommendation click-through, feedback and SMS opt-in."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import reading, writing
from app.ingest.parcel_items import set_parcel_items
from app.ingest.schemas import ParcelItemIn
from app.models import Order, Shipment, SurveyResponse
from app.tracking.poller import poll_once
from app.web.app import create_app
from carriers.sandbox.scenarios import make_number
from tests.browser.conftest import axe_violations
from tests.factories import add_shipment, make_merchant
from tests.page.conftest import STATES, at_state, make_shop
from tests.servers import serve

pytestmark = pytest.mark.browser


def watch_errors(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


async def test_page_shows_out_for_delivery_with_brand_colour(runtime, clock, browser, tmp_path) -> None:
    merchant_id, _ = await make_merchant(runtime.engine, primary_color="#7a2e1f", announcement="Free returns")
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("OD", clock.now))
    clock.now += timedelta(hours=53)
    await poll_once(runtime, now=clock.now)
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        problems = watch_errors(page)
        response = await page.goto(f"{base}/t/{made.token}")
        assert response is not None and response.status == 200
        assert await page.locator("h1").inner_text() == "Out for delivery"
        assert await page.locator('[aria-current="step"] .label').inner_text() == "Out for delivery"
        assert await page.locator(".timeline li").count() == 7
        assert await page.locator(".announcement").inner_text() == "Free returns"
        header_bg = await page.locator(".shop-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header_bg == "rgb(122, 46, 31)"  # the brand colour reached the page through the nonce'd style
        await page.screenshot(path=str(tmp_path / "tracking.png"), full_page=True)
        if shot := os.environ.get("ORDERTRAIL_SCREENSHOT"):
            await page.screenshot(path=shot, full_page=True)
        assert problems == []


async def test_every_state_renders_and_passes_axe(runtime, clock, browser) -> None:
    # a pale brand colour: the page must still keep link and button text readable
    shop = await make_shop(runtime, primary_color="#f5d76e", accent_color="#fff3b0")
    tokens = {
        state: (await at_state(runtime, clock, shop, state, order=state, serial=i)).token
        for i, state in enumerate(STATES)
    }
    split = [  # a split order whose parcels name their items, one item not shipped yet
        await at_state(runtime, clock, shop, state, order="split", serial=50 + i, products=("vase", "mug", "throw"))
        for i, state in enumerate(("delivered", "in_transit"))
    ]
    async with writing(runtime.engine) as conn:
        for made, sku in zip(split, ("VASE", "MUG"), strict=True):
            await set_parcel_items(
                conn,
                order_id=made.order_id,
                shipment_id=made.shipment_id,
                wanted=[ParcelItemIn(sku=sku)],
                now=clock.now,
            )
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        problems = watch_errors(page)
        for made in split:
            await page.goto(f"{base}/t/{made.token}")
            assert await page.locator("#items-heading").inner_text() == "1 item in this parcel"
            assert await page.locator(".siblings .muted").count() == 1
            assert await axe_violations(page) == [], made.order_id
        for state, token in tokens.items():
            for lang in ("en", "ja") if state in ("pickup", "delivered", "not_found") else ("en",):
                await page.goto(f"{base}/t/{token}?lang={lang}")
                if lang == "en":
                    assert await page.locator("h1").inner_text() == STATES[state][2], state
                assert await axe_violations(page) == [], (state, lang)
        await page.goto(f"{base}/lumiere/track")
        assert await axe_violations(page) == []
        await page.goto(f"{base}/t/{'x' * 32}")
        assert await axe_violations(page) == []
        assert problems == [m for m in problems if "404" in m]  # only the deliberate 404 is logged


async def test_keyboard_reaches_skip_link_and_forms(runtime, clock, browser) -> None:
    shop = await make_shop(runtime)
    made = await at_state(runtime, clock, shop, "delivered")
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        page = await browser.new_page()
        await page.goto(f"{base}/t/{made.token}")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.keyboard.press("Enter")
        await page.focus('input[name="rating"][value="5"]')
        await page.keyboard.press("Space")
        await page.focus("#feedback-comment")
        await page.keyboard.type("Lovely")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{base}/t/{made.token}#feedback")
        assert "You rated this delivery 5 out of 5" in await page.locator("#feedback").inner_text()
    async with reading(runtime.engine) as conn:
        row = (await conn.execute(select(SurveyResponse.__table__))).one()
    assert (row.rating, row.comment, row.source) == (5, "Lovely", "page")


async def test_without_javascript_lookup_language_and_opt_in_work(runtime, clock, browser) -> None:
    shop = await make_shop(runtime)
    made = await at_state(runtime, clock, shop, "in_transit", order="1001")
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await page.goto(f"{base}/lumiere/track")
        await page.fill("#number", "1001")
        await page.fill("#contact", "wrong@example.com")
        await page.click("button[type=submit]")
        assert "We could not find an order" in await page.locator("[role=alert]").inner_text()
        await page.fill("#number", "1001")
        await page.fill("#contact", "alex@example.com")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/t/{made.token}")
        assert await page.locator("h1").inner_text() == "In transit"
        await page.click("text=Français")
        assert await page.locator("h1").inner_text() == "En transit"
        await page.check('input[name="channel"][value="sms"]')
        await page.fill("#sms-phone", "06 12 34 56 78")
        await page.check('input[name="consent"]')
        await page.click("#updates button[type=submit]")
        await page.wait_for_url(f"{base}/t/{made.token}?lang=fr#updates")
        assert "Vous recevez les nouvelles par SMS." in await page.locator("#updates").inner_text()
        await context.close()
    async with reading(runtime.engine) as conn:
        order = (await conn.execute(select(Order.__table__).where(Order.__table__.c.id == made.order_id))).one()
    assert order.sms_opt_in and order.customer_phone == "+33612345678"


async def test_live_update_when_a_new_event_arrives(runtime, clock, browser) -> None:
    shop = await make_shop(runtime)
    made = await at_state(runtime, clock, shop, "in_transit")
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        page = await browser.new_page()
        problems = watch_errors(page)
        await page.goto(f"{base}/t/{made.token}")
        assert await page.locator("h1").inner_text() == "In transit"
        clock.now += timedelta(hours=30)
        async with writing(runtime.engine) as conn:
            table = Shipment.__table__
            await conn.execute(update(table).where(table.c.id == made.shipment_id).values(next_poll_at=clock.now))
        await poll_once(runtime, now=clock.now)
        await page.evaluate("window.OrderTrailLive.setInterval(100)")
        for _ in range(100):
            if await page.locator("h1").inner_text() == "Out for delivery":
                break
            await asyncio.sleep(0.05)
        assert await page.locator("#live-note").inner_text() == "Out for delivery"
        assert page.url == f"{base}/t/{made.token}"  # updated in place, no reload
        assert problems == []


async def test_recommendation_click_goes_to_the_shop(runtime, clock, browser) -> None:
    shop = await make_shop(runtime)
    made = await at_state(runtime, clock, shop, "in_transit")
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        page = await browser.new_page()
        seen: list[tuple[str, str]] = []

        async def shop_site(route) -> None:
            seen.append((route.request.url, route.request.headers.get("referer", "")))
            await route.fulfill(status=200, body="<html lang=en><title>Candle</title></html>", content_type="text/html")

        await page.route("https://lumiere.example.com/**", shop_site)
        await page.goto(f"{base}/t/{made.token}")
        await page.click("text=Fig candle")
        await page.wait_for_url("https://lumiere.example.com/products/candle")
        assert seen == [("https://lumiere.example.com/products/candle", "")]  # no Referer: the token stays home
