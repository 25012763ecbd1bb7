"""Bought together counts orders, not basket products: among the shop's latest other orders holding any of the basket's
products, in how many each product is; the page assembled from per-product parts gives exactly that list."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from itertools import combinations

import pytest
from sqlalchemy import delete, update

from app.db import reading, writing
from app.models import LineItem, Order, Product, RecommendationRule
from app.recommend import parts as recommend_parts
from app.recommend import recommendations
from app.recommend.parts import ShopParts, assemble
from tests.page.conftest import Shop, ship

LI, ORD, PR, RULE = (t.__table__ for t in (LineItem, Order, Product, RecommendationRule))


async def test_an_order_holding_two_basket_products_counts_once(runtime, clock, shop: Shop) -> None:
    made = await ship(runtime, shop, "DL", clock.now, order="R1", products=("vase", "mug"))
    history = [("vase", "mug", "throw"), ("vase", "lamp"), ("mug", "bowl")]
    for n, products in enumerate(history):
        await ship(runtime, shop, "DL", clock.now, order=f"H{n}", serial=10 + n, products=products)
    async with reading(runtime.engine) as conn:
        recs = await recommendations(conn, merchant_id=shop.merchant_id, order_id=made.order_id, limit=4)
    # one order each: ties by product id (counting the first order once per basket product would put the throw first)
    assert [(r.title, r.reason) for r in recs] == [
        ("Fig candle", "rule"),
        ("Serving bowl", "bought_together"),
        ("Brass lamp", "bought_together"),
        ("Linen throw", "bought_together"),
    ]


@pytest.mark.parametrize("window", [5, 60])  # most products have more orders than that / every order is counted
async def test_bought_together_matches_a_direct_count(
    runtime, shop: Shop, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    monkeypatch.setattr(recommend_parts, "RECENT_ORDERS", window)
    products = ["vase", "mug", "candle", "throw", "bowl", "lamp", "gift-card"]  # the gift card is not in the catalogue
    draw = random.Random(7)
    history: dict[int, frozenset[str]] = {}
    now = datetime.now(UTC)
    async with writing(runtime.engine) as conn:
        await conn.execute(delete(RULE).where(RULE.c.merchant_id == shop.merchant_id))
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["lamp"]).values(active=False))
        for n in range(40):
            basket = frozenset(draw.sample(products, draw.randint(1, 3)))
            order_id = (
                await conn.execute(
                    ORD.insert().values(
                        merchant_id=shop.merchant_id,
                        number=f"B{n}",
                        customer_email="",
                        customer_name="",
                        placed_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
            ).inserted_primary_key[0]
            await conn.execute(
                LI.insert(), [{"order_id": order_id, "title": p, "quantity": 1, "product_id": p} for p in basket]
            )
            history[order_id] = basket
    ids = sorted(history)
    active = {external: pid for external, pid in shop.product_ids.items() if external != "lamp"}

    def expected(basket: frozenset[str], page_order: int) -> list[int]:
        others = sorted((o for o in ids if o != page_order and history[o] & basket), reverse=True)[:window]
        counts = Counter(p for o in others for p in history[o] if p not in basket)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        return [active[p] for p, _ in ranked if p in active]

    kept = ShopParts(shop.merchant_id)  # the page's parts, read once and shared by every basket
    checked = 0
    async with reading(runtime.engine) as conn:
        for page_order in ids:  # the page's own order: newest, in or out of a product's window, or its next one
            for size in (1, 2, 3) if page_order in (ids[-1], ids[-3], ids[10]) else (1,):
                for basket in map(frozenset, combinations(products, size)):
                    want = expected(basket, page_order)
                    got = await assemble(kept, conn, basket, page_order, 20, True)
                    assert [r.product_id for r in got] == want, (basket, page_order)
                    assert all(r.reason == "bought_together" for r in got)
                    fresh = await recommendations(
                        conn, merchant_id=shop.merchant_id, order_id=page_order, limit=20, in_order=set(basket)
                    )
                    assert fresh == got
                    checked += bool(want)
    assert checked > 300
