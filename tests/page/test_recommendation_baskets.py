"""Recommendations are assembled from what each product contributes: a basket never seen before costs no SQL once its
products have been seen, unseen products are read in one batch, and the list keeps the rules' order across the
basket, never showing a product of the basket or an inactive one; a shop change shows on the next view."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event, update

from app.db import reading, sync_reader, writing
from app.models import Product, RecommendationRule
from app.recommend import recommendations
from app.recommend.cache import PartsCache, parts_cache_for
from app.runtime import Runtime
from app.web.page_recommendations import order_recommendations
from app.web.pages_data import TrackingData, by_token
from tests.page.conftest import Shop, ship

PR, RULE = Product.__table__, RecommendationRule.__table__


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement sent meanwhile, on the engine and on SQLite's synchronous reader."""
    sent: list[str] = []
    engines = [runtime.engine.sync_engine, *filter(None, [sync_reader(runtime.engine)])]

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def page_request(runtime: Runtime, state: Any = None) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=state or SimpleNamespace(runtime=runtime)))


async def order_data(runtime: Runtime, shop: Shop, number: str, products: tuple[str, ...], clock: Any) -> TrackingData:
    made = await ship(runtime, shop, "DL", clock.now, order=number, serial=int(number), products=products)
    data = await by_token(runtime.engine, made.token)
    assert data is not None
    return data


def shown(picked: list[Any]) -> list[tuple[int, str]]:
    return [(r.product_id, r.reason) for r in picked]


async def uncached(runtime: Runtime, shop: Shop, data: TrackingData) -> list[Any]:
    async with reading(runtime.engine) as conn:
        return await recommendations(conn, merchant_id=shop.merchant_id, order_id=data.order.id, limit=4)


async def add_rules(runtime: Runtime, shop: Shop, rules: list[tuple[str, str, str, int]]) -> None:
    async with writing(runtime.engine) as conn:
        await conn.execute(
            RULE.insert(),
            [
                {
                    "merchant_id": shop.merchant_id,
                    "when_kind": kind,
                    "when_value": value,
                    "product_id": shop.product_ids[target],
                    "position": position,
                }
                for kind, value, target, position in rules
            ],
        )


async def test_a_new_basket_of_seen_products_is_served_without_sql(runtime, clock, shop: Shop) -> None:
    vase = await order_data(runtime, shop, "2001", ("vase",), clock)
    mug = await order_data(runtime, shop, "2002", ("mug",), clock)
    both = await order_data(runtime, shop, "2003", ("vase", "mug"), clock)
    request = page_request(runtime)
    with statements(runtime) as sent:
        picked = await order_recommendations(request.app.state, vase)
    assert [r.title for r in picked] == ["Fig candle", "Glazed mug"]  # the rule, then the mug of order 2003
    assert sent  # the vase, first seen
    await order_recommendations(request.app.state, mug)
    with statements(runtime) as sent:
        picked = await order_recommendations(request.app.state, both)
    assert sent == []  # a basket never seen, of products seen: assembled in memory
    assert shown(picked) == shown(await uncached(runtime, shop, both))
    assert [r.title for r in picked] == ["Fig candle"]


async def test_unseen_products_are_read_in_one_batch(runtime, clock, shop: Shop) -> None:
    await add_rules(runtime, shop, [("product", p, "lamp", 5) for p in ("vase", "mug", "bowl", "throw")])
    one = await order_data(runtime, shop, "2001", ("vase",), clock)
    three = await order_data(runtime, shop, "2002", ("mug", "bowl", "throw"), clock)
    request = page_request(runtime)
    counted = []
    for data in (one, three):
        with statements(runtime) as sent:
            await order_recommendations(request.app.state, data)
        counted.append(len(sent))
    assert counted[0] == counted[1] <= 4  # rows, rules; orders holding them, rows of those bought with them


async def test_rule_order_across_the_basket_never_a_basket_or_inactive_product(runtime, clock, shop: Shop) -> None:
    # the shop's own rules: vase → candle (position 0), "home" collection → vase (position 1)
    await add_rules(
        runtime,
        shop,
        [
            ("product", "mug", "vase", 0),  # the vase is in the basket: never shown
            ("product", "mug", "lamp", 0),  # after the candle's rule (same position, later rule)
            ("product", "vase", "throw", 3),
            ("collection", "kitchen", "bowl", 2),  # met through the mug's collection
            ("collection", "home", "throw", 2),  # the throw's first place: before the vase → throw rule
            ("product", "mug", "mug", 0),  # the mug itself
        ],
    )
    async with writing(runtime.engine) as conn:
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["bowl"]).values(active=False))
    data = await order_data(runtime, shop, "2001", ("vase", "mug"), clock)
    request = page_request(runtime)
    for _ in range(2):  # read, then assembled from the parts kept
        picked = await order_recommendations(request.app.state, data)
        assert [(r.title, r.reason) for r in picked] == [
            ("Fig candle", "rule"),
            ("Brass lamp", "rule"),
            ("Linen throw", "rule"),
        ]
        assert shown(picked) == shown(await uncached(runtime, shop, data))


async def test_given_basket_matches_the_basket_read_from_the_order(runtime, clock, shop: Shop) -> None:
    made = await ship(runtime, shop, "DL", clock.now, products=("vase", "candle"))
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


async def test_a_rule_or_catalogue_change_shows_on_the_next_view(runtime, clock, shop: Shop) -> None:
    vase = await order_data(runtime, shop, "2001", ("vase",), clock)
    both = await order_data(runtime, shop, "2002", ("vase", "mug"), clock)
    request = page_request(runtime)
    await order_recommendations(request.app.state, vase)
    await add_rules(runtime, shop, [("product", "vase", "throw", 0), ("product", "mug", "lamp", 0)])
    picked = await order_recommendations(request.app.state, vase)
    assert [r.title for r in picked] == ["Fig candle", "Linen throw", "Glazed mug"]  # the mug: bought with a vase
    assert [r.title for r in await order_recommendations(request.app.state, both)] == [
        "Fig candle",
        "Linen throw",
        "Brass lamp",
    ]
    async with writing(runtime.engine) as conn:
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["throw"]).values(active=False))
    assert [r.title for r in await order_recommendations(request.app.state, both)] == ["Fig candle", "Brass lamp"]
    async with writing(runtime.engine) as conn:
        await conn.execute(update(RULE).where(RULE.c.merchant_id == shop.merchant_id).values(position=9))
        await conn.execute(update(RULE).where(RULE.c.product_id == shop.product_ids["lamp"]).values(position=0))
    assert [r.title for r in await order_recommendations(request.app.state, both)] == ["Brass lamp", "Fig candle"]


async def test_parts_expire_and_stay_within_their_bound(runtime, clock, shop: Shop) -> None:
    state = SimpleNamespace(runtime=runtime)
    cache = parts_cache_for(state)
    assert isinstance(cache, PartsCache) and parts_cache_for(state) is cache
    vase = await order_data(runtime, shop, "2001", ("vase",), clock)
    request = page_request(runtime, state)
    await order_recommendations(request.app.state, vase)
    cache.ttl = 0.0  # a change made by another process shows once the parts expire
    with statements(runtime) as sent:
        await order_recommendations(request.app.state, vase)
    assert sent
    cache.ttl = 300.0
    cache.max_weight = 12
    for number, basket in enumerate([("vase",), ("mug", "bowl"), ("throw", "lamp", "candle")]):
        data = await order_data(runtime, shop, str(3001 + number), basket, clock)
        picked = await order_recommendations(request.app.state, data)
        assert shown(picked) == shown(await uncached(runtime, shop, data))
        assert cache.weight <= cache.max_weight
