"""Recommendations depend on the basket, not on which order holds it: pages of orders with the same products share
one look-up, a different basket gets its own, and the rules met are found by the database, not by reading them all."""

from __future__ import annotations

import re

import pytest

from app.db import reading
from app.recommend import recommendations
from app.web import page_recommendations
from tests.page.conftest import Shop, at_state


def rec_titles(html: str) -> list[str]:
    return re.findall(r'<span class="rec-title">(.*?)</span>', html)


async def test_orders_with_the_same_basket_share_one_lookup(
    runtime, clock, shop: Shop, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[set[str] | None] = []
    real = page_recommendations.recommendations

    async def counted(conn, **kw):  # type: ignore[no-untyped-def]
        looked_up.append(kw.get("in_order"))
        return await real(conn, **kw)

    monkeypatch.setattr(page_recommendations, "recommendations", counted)
    first = await at_state(runtime, clock, shop, "in_transit", order="2001", serial=1, products=("vase",))
    second = await at_state(runtime, clock, shop, "in_transit", order="2002", serial=2, products=("vase",))
    other = await at_state(runtime, clock, shop, "in_transit", order="2003", serial=3, products=("mug",))
    pages = [(await client.get(f"/t/{made.token}")).text for made in (first, second, other)]
    assert looked_up == [{"vase"}, {"mug"}]
    assert rec_titles(pages[0]) == rec_titles(pages[1]) == ["Fig candle"]
    assert rec_titles(pages[2]) == []  # no rule for a mug; a kitchen collection has none either


async def test_given_basket_matches_the_basket_read_from_the_order(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "in_transit", products=("vase", "candle"))
    async with reading(runtime.engine) as conn:
        read_here = await recommendations(conn, merchant_id=shop.merchant_id, order_id=made.order_id)
        given = await recommendations(
            conn, merchant_id=shop.merchant_id, order_id=made.order_id, in_order={"vase", "candle"}
        )
    # the vase rule recommends the candle, already in the basket; the home collection rule recommends the vase, too
    assert read_here == given == []
    async with reading(runtime.engine) as conn:
        only_candle = await recommendations(
            conn, merchant_id=shop.merchant_id, order_id=made.order_id, in_order={"candle"}
        )
    assert [r.title for r in only_candle] == ["Stoneware vase"]  # met through the candle's "home" collection
