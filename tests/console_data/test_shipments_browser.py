"""Chromium (Playwright), signed in, searches the shipments list and opens a shipment's detail page."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.db import writing
from tests.browser.conftest import browser  # noqa: F401 - the shared Chromium fixture
from tests.console_data.seed import T0, add_order, add_shipment
from tests.console_support import sign_in
from tests.factories import make_merchant


async def test_list_search_then_detail(browser, console_server, runtime) -> None:  # noqa: F811
    shop, _ = await make_merchant(runtime.engine, "acme")
    async with writing(runtime.engine) as conn:
        first = await add_order(conn, shop, "B-500", email="bea@example.com", items=("vase",))
        await add_shipment(conn, shop, first, "SBIT50000001", status="out_for_delivery")
        second = await add_order(conn, shop, "C-600", email="cy@example.com")
        await add_shipment(conn, shop, second, "SBIT60000001", updated_at=T0 - timedelta(hours=1))
    # Signed in over HTTP, then the session cookie handed to the browser: the login form itself is the
    # console framework's to test (Chromium posts it with `Origin: null` under the no-referrer policy).
    async with httpx.AsyncClient(base_url=console_server) as client:
        await sign_in(client, runtime.engine, shop)
        cookies = [{"name": cookie.name, "value": cookie.value, "url": console_server} for cookie in client.cookies.jar]
    context = await browser.new_context(base_url=console_server)
    await context.add_cookies(cookies)
    tab = await context.new_page()
    await tab.goto("/console/shipments")
    assert await tab.locator("tbody tr").count() == 2
    await tab.get_by_label("Order number, tracking number or customer email").fill("B-5")
    await tab.get_by_role("button", name="Search").click()
    await tab.wait_for_url("**q=B-5**")
    assert await tab.locator("tbody tr").count() == 1
    await tab.get_by_role("link", name="B-500").click()
    await tab.wait_for_url("**/console/shipments/*")
    assert "Order B-500 · SBIT50000001" in await tab.locator("h1").inner_text()
    assert "bea@example.com" in await tab.content()
    assert (await tab.locator("#shopper-link").get_attribute("href") or "").startswith("http://track.test/t/")
    await context.close()
