"""The tracking page in a real browser: status, progress step, timeline and branding render; no console errors."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.tracking.poller import poll_once
from app.web.app import create_app
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, make_merchant
from tests.servers import serve

pytestmark = pytest.mark.browser


async def test_page_shows_out_for_delivery_with_brand_colour(runtime, clock, browser, tmp_path) -> None:
    merchant_id, _ = await make_merchant(runtime.engine, primary_color="#7a2e1f", announcement="Free returns")
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("OD", clock.now))
    clock.now += timedelta(hours=53)
    await poll_once(runtime, now=clock.now)
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
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
