"""The shop's catalogue from the API: upsert one product by its external id, or deactivate it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema, field_validator
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.ingest.schemas import NOT_BLANK, URL, Amount, Strict, amount_cents
from app.models import Product

PRODUCT = Product.__table__
HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")
Handle = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^\s*[A-Za-z0-9][A-Za-z0-9_-]{0,23}\s*$"})]


class ProductFields(Strict):
    """A product's fields; `collections` are handles (letters, digits, '-' and '_'), stored lower-case."""

    title: str = Field(min_length=1, max_length=300, json_schema_extra=NOT_BLANK)
    url: str = Field(min_length=1, max_length=500, pattern=URL)
    sku: str = Field(default="", max_length=64)
    image_url: str = Field(default="", max_length=500, pattern=URL)
    price: Amount = Field(default=0, description="cents (integer) or a decimal string")
    currency: str = Field(default="", pattern=r"^([A-Za-z]{3})?$", description="ISO 4217 code")
    collections: list[Handle] = Field(default_factory=list, max_length=20, description="handles, at most 20")
    active: bool = True

    @field_validator("collections")
    @classmethod
    def _collections(cls, value: list[str]) -> list[str]:
        handles = [handle.strip().lower() for handle in value]
        bad = next((h for h in handles if not HANDLE.match(h)), None)
        if bad is not None:
            raise ValueError(f"{bad!r} is not a handle (1-24 letters, digits, '-' or '_')")
        return list(dict.fromkeys(handles))


class ProductIn(ProductFields):
    external_id: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")


@dataclass(frozen=True)
class ProductResult:
    product_id: int
    created: bool
    changed: bool


def product_values(data: ProductFields) -> dict[str, Any]:
    return {
        "title": data.title,
        "url": data.url,
        "sku": data.sku,
        "image_url": data.image_url,
        "price_cents": amount_cents(data.price),
        "currency": data.currency.upper(),
        "collections": ",".join(data.collections),
        "active": data.active,
    }


async def upsert_product(
    conn: AsyncConnection, *, merchant_id: int, external_id: str, data: ProductFields, now: datetime
) -> ProductResult:
    """Create the product or replace its fields; `updated_at` moves only when something changed."""
    values = product_values(data)
    statement = insert_for(conn, PRODUCT).values(
        merchant_id=merchant_id, external_id=external_id, updated_at=now, **values
    )
    statement = statement.on_conflict_do_nothing(index_elements=["merchant_id", "external_id"])
    inserted = (await conn.execute(statement.returning(PRODUCT.c.id))).scalar()
    if inserted is not None:
        return ProductResult(int(inserted), True, True)
    row = (
        await conn.execute(
            select(PRODUCT).where(PRODUCT.c.merchant_id == merchant_id, PRODUCT.c.external_id == external_id)
        )
    ).one()
    changes = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changes:
        await conn.execute(update(PRODUCT).where(PRODUCT.c.id == row.id).values(**changes, updated_at=now))
    return ProductResult(int(row.id), False, bool(changes))


async def deactivate_product(conn: AsyncConnection, *, merchant_id: int, external_id: str, now: datetime) -> int | None:
    """Hide the product from recommendations (kept for history); its id, or None when the shop has no such id."""
    row = (
        await conn.execute(
            select(PRODUCT.c.id, PRODUCT.c.active).where(
                PRODUCT.c.merchant_id == merchant_id, PRODUCT.c.external_id == external_id
            )
        )
    ).first()
    if row is None:
        return None
    if row.active:
        await conn.execute(update(PRODUCT).where(PRODUCT.c.id == row.id).values(active=False, updated_at=now))
    return int(row.id)
