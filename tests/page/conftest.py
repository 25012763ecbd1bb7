"""Page tests: a shop with a catalogue and recommendation rules, shipments moved to a scenario's state, and the
web app served on a real loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.db import writing
from app.ingest.shipments import CreatedShipment
from app.models import LineItem, Product, RecommendationRule
from app.runtime import Runtime
from app.tracking.poller import poll_once
from app.web.app import create_app
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, make_merchant
from tests.servers import serve

# scenario → hours after the journey's start at which the page is looked at, and the heading expected then
STATES: dict[str, tuple[str, float, str]] = {
    "label_created": ("LB", 1, "Label created"),
    "in_transit": ("DL", 23, "In transit"),
    "out_for_delivery": ("OD", 53, "Out for delivery"),
    "delivered": ("DL", 60, "Delivered"),
    "failed_attempt": ("FA", 57, "Delivery attempted"),
    "pickup": ("PU", 59, "Ready for pickup"),
    "exception": ("EX", 51, "Needs attention"),
    "customs": ("CU", 37, "Needs attention"),
    "late": ("LT", 90, "Needs attention"),
    "returned": ("RT", 111, "Returned to sender"),
    "stuck": ("ST", 120, "In transit"),
    "not_found": ("NF", 1, "Order placed"),
}

PRODUCTS = [
    ("vase", "Stoneware vase", "home"),
    ("mug", "Glazed mug", "kitchen"),
    ("candle", "Fig candle", "home"),
    ("throw", "Linen throw", "home"),
    ("bowl", "Serving bowl", "kitchen"),
    ("lamp", "Brass lamp", "home"),
]


@dataclass
class Shop:
    merchant_id: int
    product_ids: dict[str, int]


async def make_shop(rt: Runtime, slug: str = "lumiere", **fields: Any) -> Shop:
    values = {
        "website_url": "https://lumiere.example.com",
        "support_email": "help@lumiere.example.com",
        "support_phone": "+33 1 23 45 67 89",
        "return_policy_url": "https://lumiere.example.com/returns",
        "announcement": "Free returns for 30 days",
        "timezone": "Europe/Paris",
    }
    values.update(fields)
    merchant_id, _ = await make_merchant(rt.engine, slug, **values)
    ids: dict[str, int] = {}
    async with writing(rt.engine) as conn:
        for external, title, collection in PRODUCTS:
            result = await conn.execute(
                Product.__table__.insert().values(
                    merchant_id=merchant_id,
                    external_id=external,
                    sku=external.upper(),
                    title=title,
                    url=f"https://lumiere.example.com/products/{external}",
                    image_url=f"/static/demo/{external}.svg",
                    price_cents=2900,
                    currency="EUR",
                    collections=collection,
                    active=True,
                    updated_at=datetime.now(UTC),
                )
            )
            ids[external] = int(result.inserted_primary_key[0])
        await conn.execute(
            RecommendationRule.__table__.insert(),
            [
                {
                    "merchant_id": merchant_id,
                    "when_kind": "product",
                    "when_value": "vase",
                    "product_id": ids["candle"],
                    "position": 0,
                },
                {
                    "merchant_id": merchant_id,
                    "when_kind": "collection",
                    "when_value": "home",
                    "product_id": ids["vase"],
                    "position": 1,
                },
            ],
        )
    return Shop(merchant_id, ids)


async def ship(
    rt: Runtime,
    shop: Shop,
    scenario: str,
    started: datetime,
    *,
    order: str = "1001",
    serial: int = 1,
    products: tuple[str, ...] = ("vase",),
    **extra: Any,
) -> CreatedShipment:
    made = await add_shipment(
        rt.engine,
        shop.merchant_id,
        rt.settings.secret_key,
        make_number(scenario, started, serial),
        order_number=order,
        **extra,
    )
    async with writing(rt.engine) as conn:
        table = LineItem.__table__
        await conn.execute(table.delete().where(table.c.order_id == made.order_id))
        await conn.execute(
            table.insert(),
            [
                {
                    "order_id": made.order_id,
                    "title": dict((p, t) for p, t, _ in PRODUCTS)[p],
                    "quantity": 1,
                    "product_id": p,
                    "image_url": f"/static/demo/{p}.svg",
                    "sku": p.upper(),
                    "product_url": "",
                    "variant": "",
                }
                for p in products
            ],
        )
    return made


async def at_state(rt: Runtime, clock: Any, shop: Shop, state: str, **kw: Any) -> CreatedShipment:
    """A shipment whose journey started `hours` ago, polled once so its events and status are stored."""
    scenario, hours, _ = STATES[state]
    made = await ship(rt, shop, scenario, clock.now - timedelta(hours=hours), **kw)
    await poll_once(rt, now=clock.now + timedelta(minutes=1))  # ingest stamps next_poll_at with the real clock
    return made


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    return await make_shop(runtime)


@pytest.fixture
async def site(runtime: Runtime) -> AsyncIterator[str]:
    async with serve(create_app(runtime.settings, runtime=runtime)) as base:
        yield base


@pytest.fixture
async def client(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site, follow_redirects=False) as http:
        yield http
