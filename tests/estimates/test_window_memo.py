"""A shop's memoized windows (the page's estimate from the model in memory) never outlive what they were computed
from: a refit, a model past CACHE_SECONDS or a forgotten model shows the shop's new deliveries; another day, shipping
day, route or a delivered status gets its own window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.estimates import UNFITTED, forget, known_window, learned, refit
from app.web.page_estimate import learned as page_learned
from tests.estimates.test_learned_window import SHIPPED, deliveries, window
from tests.factories import make_merchant


@pytest.fixture(autouse=True)
def fresh_models() -> AsyncIterator[None]:
    forget()
    yield
    forget()


def parcel(shop: int, *, postal: str = "75011", status: str = "in_transit", shipped: date = SHIPPED) -> SimpleNamespace:
    """A shipment and its order as the tracking page reads them (ups from Lyon into France)."""
    shipment = SimpleNamespace(
        id=1,
        merchant_id=shop,
        carrier="ups",
        service="Standard",
        origin_country="FR",
        origin_postal_code="69002",
        shipped_at=datetime.combine(shipped, time(16), UTC),
        status=status,
    )
    return SimpleNamespace(shipment=shipment, order=SimpleNamespace(country="FR", postal_code=postal))


async def shown(engine: AsyncEngine, shop: int, today: date = SHIPPED, **kw: object) -> tuple[date, date] | None:
    page = parcel(shop, **kw)  # type: ignore[arg-type]
    found = await page_learned(engine, page.shipment, page.order, today)
    return None if found is None else (found.earliest, found.latest)


async def test_a_refit_replaces_the_windows_shown_before(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {1: 40})
    assert await shown(engine, shop) == (date(2026, 10, 6), date(2026, 10, 6))
    assert await shown(engine, shop) == (date(2026, 10, 6), date(2026, 10, 6))  # from the memo
    await deliveries(engine, shop, {4: 900})  # the route now takes four days (95.7 %)
    assert await shown(engine, shop) == (date(2026, 10, 6), date(2026, 10, 6))  # the model in memory, as before
    assert await refit(engine) == 1  # the scheduler's job, every shop in memory
    assert await shown(engine, shop) == (date(2026, 10, 9), date(2026, 10, 9))


async def test_a_model_past_its_time_answers_while_one_background_refit_replaces_it(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await aged_model(engine, monkeypatch, learned.CACHE_SECONDS + 1)
    fits = count_fits(monkeypatch)
    assert known_window(**ROUTE(shop)) is UNFITTED  # past its time for every other caller
    # the view is not held up: the older model answers, and one refit starts for any number of views
    assert [await shown(engine, shop) for _ in range(3)] == [(date(2026, 10, 6), date(2026, 10, 6))] * 3
    await settle()
    assert fits == [shop]
    assert await shown(engine, shop) == (date(2026, 10, 9), date(2026, 10, 9))
    assert known_window(**ROUTE(shop)) is not UNFITTED


async def test_a_model_far_past_its_time_is_fitted_before_the_view(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await aged_model(engine, monkeypatch, learned.STALE_SECONDS + 1)
    assert await shown(engine, shop) == (date(2026, 10, 9), date(2026, 10, 9))


async def test_concurrent_first_views_share_one_fit(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {1: 40})
    fits = count_fits(monkeypatch)
    views = await asyncio.gather(*(shown(engine, shop) for _ in range(5)))
    assert views == [(date(2026, 10, 6), date(2026, 10, 6))] * 5 and fits == [shop]


async def aged_model(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, age: float) -> int:
    """A shop whose model (one-day route) is `age` seconds old, with four-day deliveries recorded since its fit."""
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {1: 40})
    assert await shown(engine, shop) == (date(2026, 10, 6), date(2026, 10, 6))
    await deliveries(engine, shop, {4: 900})
    later = learned.time.monotonic() + age
    monkeypatch.setattr(learned.time, "monotonic", lambda: later)
    return shop


def ROUTE(shop: int) -> dict[str, object]:
    return {
        "merchant_id": shop,
        "carrier": "ups",
        "service": "Standard",
        "origin": ("FR", "69002"),
        "destination": ("FR", "75011"),
        "shipped_on": SHIPPED,
        "today": SHIPPED,
        "status": "in_transit",
    }


def count_fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The shops fitted from now on (each fit yields once before it reads, as a real read does)."""
    fitted: list[int] = []
    real = learned.fit

    async def counted(conn: object, merchant_id: int) -> object:
        fitted.append(merchant_id)
        await asyncio.sleep(0)
        return await real(conn, merchant_id)  # type: ignore[arg-type]

    monkeypatch.setattr(learned, "fit", counted)
    return fitted


async def settle() -> None:
    """Wait for the background refits started so far."""
    while learned._background:
        await asyncio.gather(*learned._background)


async def test_a_forgotten_model_is_fitted_again(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {1: 40})
    assert await shown(engine, shop) == (date(2026, 10, 6), date(2026, 10, 6))
    await deliveries(engine, shop, {4: 900})
    forget(shop)
    assert await shown(engine, shop) == (date(2026, 10, 9), date(2026, 10, 9))


async def test_each_day_shipping_day_route_and_status_has_its_own_window(engine: AsyncEngine) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 300, 3: 60, 5: 40})
    await deliveries(engine, shop, {1: 100}, postal="33000")
    assert await shown(engine, shop) == (date(2026, 10, 7), date(2026, 10, 12))
    # three delivery days in transit: only the 3- and 5-day histories remain (as test_learned_window)
    assert await shown(engine, shop, today=date(2026, 10, 8)) == (date(2026, 10, 8), date(2026, 10, 12))
    # shipped a week later: the same transit from another day
    assert await shown(engine, shop, shipped=SHIPPED + timedelta(days=7), today=SHIPPED + timedelta(days=7)) == (
        date(2026, 10, 14),
        date(2026, 10, 19),
    )
    # into Bordeaux: that route's own history
    assert await shown(engine, shop, postal="33100") == (date(2026, 10, 6), date(2026, 10, 6))
    # delivered: no window, though the same route's window is memoized
    assert await shown(engine, shop, status="delivered") is None
    # the memo answers as learned_window does
    assert (await window(engine, shop, today=date(2026, 10, 8))).earliest == date(2026, 10, 8)  # type: ignore[union-attr]
