"""The dashboard in Chromium: every chart is drawn by the vendored Chart.js under the page's CSP, nothing is logged
as an error, and axe-core finds no accessibility violation (English and French)."""

from __future__ import annotations

import os

import httpx
import pytest
from sqlalchemy import update

from app.db import writing
from app.models import User
from tests.analytics.conftest import Shop
from tests.browser.conftest import axe_violations
from tests.console_support import sign_in

pytestmark = pytest.mark.browser

DRAWN = ["visits", "funnel", "on_time", "transit", "problems", "recommendations", "feedback", "cancellations"]


@pytest.fixture(autouse=True)
def _sqlite_only(database) -> None:  # type: ignore[no-untyped-def]
    if database.kind == "postgres":
        pytest.skip("the page is the same on both databases; its queries are checked on both in test_charts.py")


async def _signed_in_page(browser, base_url: str, engine, merchant_id: int):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        await sign_in(client, engine, merchant_id)
        cookies = [{"name": c.name, "value": c.value or "", "url": base_url} for c in client.cookies.jar]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_cookies(cookies)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return page, problems


async def test_charts_are_drawn_and_the_page_passes_axe(browser, base_url: str, engine, shop: Shop) -> None:
    page, problems = await _signed_in_page(browser, base_url, engine, shop.merchant_id)
    answer = await page.goto(f"{base_url}/console/analytics?start=2025-03-01&end=2025-03-10")
    assert answer is not None and answer.status == 200
    await page.wait_for_function("() => document.querySelectorAll('canvas[data-chart]').length > 0 && window.Chart")
    drawn = await page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')]
              .filter(c => window.Chart.getChart(c) && c.width > 0).map(c => c.dataset.chart)"""
    )
    assert drawn == DRAWN
    bars = await page.evaluate(
        "() => window.Chart.getChart(document.getElementById('chart-visits')).data.datasets[0].data"
    )
    assert bars == [3, 1, 2, 1, 0]
    if shot := os.environ.get("ORDERTRAIL_SCREENSHOT"):
        await page.screenshot(path=shot, full_page=True)
    assert await axe_violations(page) == []
    assert problems == []

    async with writing(engine) as conn:
        users = User.__table__
        await conn.execute(update(users).where(users.c.merchant_id == shop.merchant_id).values(locale="fr"))
    await page.goto(f"{base_url}/console/analytics?start=2025-03-01&end=2025-03-10")
    assert await page.locator("h1").inner_text() == "Statistiques"
    assert await axe_violations(page) == []
    assert problems == []


async def test_bad_filter_page_passes_axe(browser, base_url: str, engine, shop: Shop) -> None:
    page, problems = await _signed_in_page(browser, base_url, engine, shop.merchant_id)
    answer = await page.goto(f"{base_url}/console/analytics?stuck_days=0")
    assert answer is not None and answer.status == 400
    assert "stuck_days: must be a whole number" in await page.locator("[role=alert]").inner_text()
    assert await axe_violations(page) == []
    assert [p for p in problems if "400" not in p] == []
