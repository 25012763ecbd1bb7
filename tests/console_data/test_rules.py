"""Recommendation rules: create with field errors, order, move, delete; never across shops."""

from __future__ import annotations

import pytest

from app.catalog.rules import RuleInvalid, create_rule, delete_rule, list_rules, move_rule
from app.db import reading, writing
from tests.console_data.seed import add_product
from tests.factories import make_merchant


async def test_rule_lifecycle_and_validation(engine) -> None:
    shop, _ = await make_merchant(engine, "acme")
    other, _ = await make_merchant(engine, "other")
    async with writing(engine) as conn:
        for external_id in ("vase", "cloth", "board"):
            await add_product(conn, shop, external_id)
        await add_product(conn, other, "theirs")
        first = await create_rule(conn, merchant_id=shop, when_kind="product", when_value="vase", recommend="cloth")
        second = await create_rule(
            conn, merchant_id=shop, when_kind="collection", when_value=" Summer ", recommend="board"
        )
        third = await create_rule(conn, merchant_id=shop, when_kind="product", when_value="cloth", recommend="vase")
    async with reading(engine) as conn:
        rules = await list_rules(conn, merchant_id=shop)
        assert [(r.id, r.when_value, r.product_external_id) for r in rules] == [
            (first, "vase", "cloth"),
            (second, "summer", "board"),
            (third, "cloth", "vase"),
        ]
        assert await list_rules(conn, merchant_id=other) == []

    cases = [
        ({"when_kind": "sku", "when_value": "vase", "recommend": "cloth"}, {"when_kind"}),
        ({"when_kind": "product", "when_value": "nope", "recommend": "cloth"}, {"when_value"}),
        ({"when_kind": "product", "when_value": "vase", "recommend": "vase"}, {"recommend"}),
        ({"when_kind": "product", "when_value": "vase", "recommend": "theirs"}, {"recommend"}),
        ({"when_kind": "collection", "when_value": "a b", "recommend": ""}, {"when_value", "recommend"}),
    ]
    for fields, bad in cases:
        async with writing(engine) as conn:
            with pytest.raises(RuleInvalid) as caught:
                await create_rule(conn, merchant_id=shop, **fields)
        assert set(caught.value.errors) == bad, fields
    assert "no product 'theirs' in the catalogue" in str(
        RuleInvalid({"recommend": "no product 'theirs' in the catalogue"})
    )

    async with writing(engine) as conn:
        assert await move_rule(conn, merchant_id=shop, rule_id=third, step=-1)
        assert not await move_rule(conn, merchant_id=other, rule_id=first, step=1)
        assert not await delete_rule(conn, merchant_id=other, rule_id=first)
    async with reading(engine) as conn:
        assert [r.id for r in await list_rules(conn, merchant_id=shop)] == [first, third, second]
    async with writing(engine) as conn:
        assert await delete_rule(conn, merchant_id=shop, rule_id=first)
        assert await move_rule(conn, merchant_id=shop, rule_id=third, step=-1)  # already first: stays
    async with reading(engine) as conn:
        assert [(r.id, r.position) for r in await list_rules(conn, merchant_id=shop)] == [(third, 1), (second, 2)]
