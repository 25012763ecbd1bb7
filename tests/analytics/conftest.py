"""A small shop whose every dashboard number is worked out by hand in the tests (see test_charts.py), plus a
second shop with look-alike data that must never show up in the first one's figures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.analytics.filters import Filters
from app.db import writing
from app.web.app import create_app
from tests.analytics import builders as b
from tests.browser.conftest import browser as browser  # the Chromium fixture, for test_browser.py
from tests.conftest import CLIENT_TLS
from tests.factories import make_merchant
from tests.servers import serve


@dataclass
class Shop:
    merchant_id: int
    other_id: int

    def filters(self, **overrides: object) -> Filters:
        values: dict[str, object] = {
            "merchant_id": self.merchant_id,
            "start": b.on("03-01"),
            "end": b.on("03-10"),
            "now": b.at("03-20", "12:00"),
        }
        values.update(overrides)
        return Filters(**values)  # type: ignore[arg-type]


async def _fill_shop(engine: AsyncEngine, m: int) -> None:
    async with writing(engine) as c:
        o1 = await b.order(c, m, "1001", b.at("03-01", "10:00"), customer_email="a@x.test", promised_by=b.on("03-05"))
        o2 = await b.order(c, m, "1002", b.at("03-01", "15:00"), customer_email="b@x.test", promised_by=b.on("03-03"))
        o3 = await b.order(c, m, "1003", b.at("03-02", "09:00"), customer_email="c@x.test")
        o4 = await b.order(
            c, m, "1004", b.at("03-03", "08:00"), customer_email="a@x.test", holdout=True,
            cancelled_at=b.at("03-03", "09:00"),
        )  # fmt: skip
        o5 = await b.order(c, m, "1005", b.at("03-10", "23:30"), customer_email="d@x.test", holdout=True)
        await b.order(c, m, "1000", b.at("02-28", "23:59"), customer_email="a@x.test")  # before the range
        o7 = await b.order(c, m, "1007", b.at("03-06", "10:00"), customer_email="a@x.test")
        await b.order(c, m, "1008", b.at("03-15", "10:00"), customer_email="a@x.test")  # after the range

        s1 = await b.shipment(
            c, m, o1, "sandbox", service="ground", status="delivered", shipped_at=b.at("03-02"),
            delivered_at=b.at("03-04", "12:00"), first_estimate=b.on("03-04"), last_event_at=b.at("03-04", "12:00"),
        )  # fmt: skip
        await b.shipment(
            c, m, o2, "sandbox", service="ground", status="delivered", shipped_at=b.at("03-02"),
            delivered_at=b.at("03-05"), first_estimate=b.on("03-04"), last_event_at=b.at("03-05"),
        )  # fmt: skip
        s3 = await b.shipment(
            c, m, o3, "ups", service="express", status="delivered", shipped_at=b.at("03-03"),
            delivered_at=b.at("03-04", "23:00"), first_estimate=b.on("03-04"), last_event_at=b.at("03-04", "23:00"),
        )  # fmt: skip
        s4 = await b.shipment(c, m, o4, "ups", service="ground", status="in_transit", last_event_at=b.at("03-05"))
        await b.shipment(c, m, o5, "sandbox", service="ground", status="in_transit", last_event_at=b.at("03-19"))
        await b.tracking_events(c, s3, "in_transit", "exception", "exception", "failed_attempt")
        await b.tracking_events(c, s4, "failed_attempt", "failed_attempt")
        await b.tracking_events(c, s1, "exception", "delivered")

        await b.views(c, m, o1, "v1", "v1", "v2")
        await b.views(c, m, o2, "v9", kind="lookup")
        await b.views(c, m, o3, "v3")
        await b.views(c, m, o4, "v1", "")
        await b.views(c, m, o7, "v4")

        p1 = await b.product(c, m, "throw", "Linen throw")
        p2 = await b.product(c, m, "mug", "Ceramic mug")
        await b.rec_events(c, m, o1, p1, "rec_impression", 3)
        await b.rec_events(c, m, o1, p2, "rec_impression", 1)
        await b.rec_events(c, m, o1, p1, "rec_click", created_at=b.at("03-02", "10:00"))
        await b.rec_events(c, m, o4, p2, "rec_impression", 2)
        await b.rec_events(c, m, o4, p2, "rec_click", created_at=b.at("03-05", "12:00"))
        await b.rec_events(c, m, o3, p1, "rec_impression", 1)

        await b.notification(c, m, o1, "shipped", "email", "sent", "open", "open", "click")
        await b.notification(c, m, o2, "shipped", "email", "sent", "bounced")
        await b.notification(c, m, o3, "shipped", "email", "failed")
        await b.notification(c, m, o3, "shipped", "sms", "sent", "delivered")
        await b.notification(c, m, o5, "delivered", "email", "pending")
        await b.notification(c, m, o1, "delivered", "email", "sent", "open")
        await b.notification(c, m, o2, "delivered", "sms", "sent", "undelivered")

        await b.suppression(c, m, "email", "unsubscribe", b.at("03-04"))
        await b.suppression(c, m, "email", "unsubscribe", b.at("03-05"))
        await b.suppression(c, m, "sms", "stop", b.at("03-06"))
        await b.suppression(c, m, "email", "bounce", b.at("02-20"))  # before the range

        await b.survey(c, m, o1, "feedback", rating=5, comment="Fast!", created_at=b.at("03-05"))
        await b.survey(c, m, o2, "feedback", rating=2, comment="", created_at=b.at("03-06"))
        await b.survey(c, m, o3, "feedback", rating=4, comment="=1+2 came late", created_at=b.at("03-06", "10:00"))
        await b.survey(c, m, o4, "cancel_reason", value="changed_mind", saved=False)
        await b.survey(c, m, o5, "cancel_reason", value="too_slow", saved=True)
        await b.survey(c, m, o2, "cancel_reason", value="too_slow", saved=False)


async def _fill_other_shop(engine: AsyncEngine, m: int) -> None:
    """Another merchant: same customer email, events and notifications in the same days."""
    async with writing(engine) as c:
        o = await b.order(c, m, "1001", b.at("03-04"), customer_email="a@x.test", holdout=True)
        s = await b.shipment(
            c, m, o, "ups", service="ground", status="delivered", shipped_at=b.at("03-04"), delivered_at=b.at("03-06")
        )
        await b.tracking_events(c, s, "exception", "failed_attempt")
        await b.views(c, m, o, "v1", "v7")
        p = await b.product(c, m, "throw", "Linen throw")
        await b.rec_events(c, m, o, p, "rec_click", created_at=b.at("03-02", "12:00"))
        await b.notification(c, m, o, "shipped", "email", "sent", "open", "click")
        await b.suppression(c, m, "email", "unsubscribe", b.at("03-04"))
        await b.survey(c, m, o, "feedback", rating=1, comment="Other shop")
        await b.survey(c, m, o, "cancel_reason", value="too_slow", saved=True)


@pytest.fixture
async def shop(engine: AsyncEngine) -> Shop:
    merchant_id, _ = await make_merchant(engine, "acme")
    other_id, _ = await make_merchant(engine, "other")
    await _fill_shop(engine, merchant_id)
    await _fill_other_shop(engine, other_id)
    return Shop(merchant_id, other_id)


@pytest.fixture
async def base_url(runtime) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base:
        yield base


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10, verify=CLIENT_TLS) as http:
        yield http
