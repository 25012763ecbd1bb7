"""The shop's product catalogue: idempotent bulk upsert from a CSV, listing, editing and (de)activating."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.product_input import ProductValues
from app.models import Product, utcnow

TABLE = Product.__table__
COMPARED = ("sku", "title", "url", "image_url", "price_cents", "currency", "collections")
CHUNK = 500
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class UpsertSummary:
    created: int
    updated: int
    unchanged: int


async def upsert_products(
    conn: AsyncConnection, *, merchant_id: int, products: Sequence[ProductValues], now: datetime | None = None
) -> UpsertSummary:
    """Insert new external ids, update changed ones, leave identical ones (and their `updated_at`) alone."""
    now = now or utcnow()
    created: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for start in range(0, len(products), CHUNK):
        chunk = products[start : start + CHUNK]
        query = select(TABLE).where(
            TABLE.c.merchant_id == merchant_id, TABLE.c.external_id.in_([p.external_id for p in chunk])
        )
        existing = {row.external_id: row for row in (await conn.execute(query)).all()}
        for product in chunk:
            values = product.as_row()
            row = existing.get(product.external_id)
            if row is None:
                created.append({**values, "merchant_id": merchant_id, "active": True, "updated_at": now})
            elif any(getattr(row, name) != values[name] for name in COMPARED):
                changed.append({**{f"v_{k}": v for k, v in values.items()}, "row_id": row.id, "v_updated_at": now})
    if created:
        await conn.execute(TABLE.insert(), created)
    if changed:
        statement = (
            update(TABLE)
            .where(TABLE.c.id == bindparam("row_id"))
            .values({name: bindparam(f"v_{name}") for name in (*COMPARED, "updated_at")})
        )
        await conn.execute(statement, changed)
    return UpsertSummary(len(created), len(changed), len(products) - len(created) - len(changed))


async def list_products(
    conn: AsyncConnection, *, merchant_id: int, search: str = "", after_id: int = 0, limit: int = PAGE_SIZE
) -> list[Any]:
    """Products by id, `limit` at a time after `after_id`; `search` is a prefix of the external id or SKU."""
    query = select(TABLE).where(TABLE.c.merchant_id == merchant_id, TABLE.c.id > after_id)
    if search:
        pattern = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            TABLE.c.external_id.like(pattern, escape="\\")
            | TABLE.c.sku.like(pattern, escape="\\")
            | TABLE.c.title.like(f"%{pattern}", escape="\\")
        )
    return list((await conn.execute(query.order_by(TABLE.c.id).limit(limit))).all())


async def count_products(conn: AsyncConnection, *, merchant_id: int) -> tuple[int, int]:
    """(all products, active products)."""
    query = select(func.count(), func.count().filter(TABLE.c.active)).where(TABLE.c.merchant_id == merchant_id)
    total, active = (await conn.execute(query)).one()
    return int(total), int(active)


async def get_product(conn: AsyncConnection, *, merchant_id: int, product_id: int) -> Any | None:
    query = select(TABLE).where(TABLE.c.merchant_id == merchant_id, TABLE.c.id == product_id)
    return (await conn.execute(query)).one_or_none()


async def external_id_taken(conn: AsyncConnection, *, merchant_id: int, external_id: str, other_than: int) -> bool:
    query = select(TABLE.c.id).where(
        and_(TABLE.c.merchant_id == merchant_id, TABLE.c.external_id == external_id, TABLE.c.id != other_than)
    )
    return (await conn.execute(query)).first() is not None


async def save_product(
    conn: AsyncConnection, *, merchant_id: int, product_id: int, values: ProductValues, active: bool
) -> bool:
    """Overwrite one product; False when it is not this shop's."""
    statement = (
        update(TABLE)
        .where(TABLE.c.merchant_id == merchant_id, TABLE.c.id == product_id)
        .values(**values.as_row(), active=active, updated_at=utcnow())
    )
    return (await conn.execute(statement)).rowcount == 1


async def set_active(conn: AsyncConnection, *, merchant_id: int, product_id: int, active: bool) -> bool:
    statement = (
        update(TABLE)
        .where(TABLE.c.merchant_id == merchant_id, TABLE.c.id == product_id)
        .values(active=active, updated_at=utcnow())
    )
    return (await conn.execute(statement)).rowcount == 1
