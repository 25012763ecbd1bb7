"""Manual recommendation rules: when an order holds product X (or one of collection C), recommend product Y."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.product_input import HANDLE
from app.models import Product, RecommendationRule

RULES = RecommendationRule.__table__
PRODUCTS = Product.__table__
WHEN_KINDS = ("product", "collection")


class RuleInvalid(ValueError):
    """`errors` maps each bad field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))
        self.errors = errors


async def list_rules(conn: AsyncConnection, *, merchant_id: int) -> list[Any]:
    """Rules in their order, with the recommended product's title, external id and state."""
    query = (
        select(
            RULES,
            PRODUCTS.c.title.label("product_title"),
            PRODUCTS.c.external_id.label("product_external_id"),
            PRODUCTS.c.active.label("product_active"),
        )
        .join(PRODUCTS, PRODUCTS.c.id == RULES.c.product_id)
        .where(RULES.c.merchant_id == merchant_id)
        .order_by(RULES.c.position, RULES.c.id)
    )
    return list((await conn.execute(query)).all())


async def _product_id_by_external(conn: AsyncConnection, merchant_id: int, external_id: str) -> int | None:
    query = select(PRODUCTS.c.id).where(PRODUCTS.c.merchant_id == merchant_id, PRODUCTS.c.external_id == external_id)
    found = (await conn.execute(query)).scalar()
    return None if found is None else int(found)


async def create_rule(
    conn: AsyncConnection, *, merchant_id: int, when_kind: str, when_value: str, recommend: str
) -> int:
    """Add a rule at the end; `recommend` is the recommended product's external id. Raises RuleInvalid."""
    when_value, recommend = when_value.strip(), recommend.strip()
    errors: dict[str, str] = {}
    if when_kind not in WHEN_KINDS:
        errors["when_kind"] = "must be 'product' or 'collection'"
    elif not when_value:
        errors["when_value"] = "is required"
    elif when_kind == "collection":
        when_value = when_value.lower()
        if not HANDLE.match(when_value):
            errors["when_value"] = "is not a collection handle (letters, digits, - and _)"
    elif await _product_id_by_external(conn, merchant_id, when_value) is None:
        errors["when_value"] = f"no product '{when_value}' in the catalogue"
    product_id = await _product_id_by_external(conn, merchant_id, recommend) if recommend else None
    if not recommend:
        errors["recommend"] = "is required"
    elif product_id is None:
        errors["recommend"] = f"no product '{recommend}' in the catalogue"
    elif when_kind == "product" and when_value == recommend:
        errors["recommend"] = "must differ from the product the order contains"
    if errors:
        raise RuleInvalid(errors)
    last = (await conn.execute(select(func.max(RULES.c.position)).where(RULES.c.merchant_id == merchant_id))).scalar()
    values = {
        "merchant_id": merchant_id,
        "when_kind": when_kind,
        "when_value": when_value,
        "product_id": product_id,
        "position": (last or 0) + 1,
    }
    return int((await conn.execute(RULES.insert().values(values))).inserted_primary_key[0])


async def delete_rule(conn: AsyncConnection, *, merchant_id: int, rule_id: int) -> bool:
    statement = delete(RULES).where(RULES.c.merchant_id == merchant_id, RULES.c.id == rule_id)
    return (await conn.execute(statement)).rowcount == 1


async def move_rule(conn: AsyncConnection, *, merchant_id: int, rule_id: int, step: int) -> bool:
    """Move a rule one place up (step -1) or down (+1); renumbers positions 1..n. False when not this shop's."""
    ids = [row.id for row in await list_rules(conn, merchant_id=merchant_id)]
    if rule_id not in ids:
        return False
    index = ids.index(rule_id)
    target = min(max(index + step, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    for position, each in enumerate(ids, start=1):
        await conn.execute(update(RULES).where(RULES.c.id == each).values(position=position))
    return True
