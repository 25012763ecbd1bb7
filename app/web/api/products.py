"""/api/v1/products: upsert by the shop's external id, list, read, and deactivate (kept for history)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import select

from app.ingest.products import ProductIn, deactivate_product, upsert_product
from app.models import Product
from app.web.api.errors import not_found
from app.web.api.framework import Call, Operation, Reply
from app.web.api.models import Page, ProductOut
from app.web.api.paging import PageQuery, next_cursor, paged

PRODUCT = Product.__table__


class ProductQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    active: bool | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=64)
    sku: str | None = Field(default=None, min_length=1, max_length=64)


async def _row(call: Call, product_id: int) -> Any:
    row = (
        await call.conn.execute(
            select(PRODUCT).where(PRODUCT.c.id == product_id, PRODUCT.c.merchant_id == call.merchant_id)
        )
    ).first()
    if row is None:
        raise not_found("product")
    return row


async def upsert(call: Call) -> Reply:
    data: ProductIn = call.body
    made = await upsert_product(
        call.conn, merchant_id=call.merchant_id, external_id=data.external_id, data=data, now=call.now
    )
    return Reply(201 if made.created else 200, ProductOut.of(await _row(call, made.product_id)))


async def list_products(call: Call) -> Reply:
    query: ProductQuery = call.query
    statement = select(PRODUCT).where(PRODUCT.c.merchant_id == call.merchant_id)
    for name in ("active", "external_id", "sku"):
        if getattr(query, name) is not None:
            statement = statement.where(PRODUCT.c[name] == getattr(query, name))
    rows, cursor = next_cursor(list(await call.conn.execute(paged(statement, PRODUCT.c.id, query))), query.limit)
    return Reply(200, Page[ProductOut](data=[ProductOut.of(row) for row in rows], next_cursor=cursor))


async def get_one(call: Call) -> Reply:
    return Reply(200, ProductOut.of(await _row(call, call.ids["product_id"])))


async def deactivate(call: Call) -> Reply:
    row = await _row(call, call.ids["product_id"])
    await deactivate_product(call.conn, merchant_id=call.merchant_id, external_id=row.external_id, now=call.now)
    return Reply(200, ProductOut.of(await _row(call, row.id)))


PRODUCT_ID = ("product_id",)
operations = [
    Operation(
        "POST",
        "/api/v1/products",
        upsert,
        "Create or replace a product, identified by the shop's external id",
        {201: ("created", ProductOut), 200: ("replaced (or unchanged)", ProductOut)},
        body=ProductIn,
        example={
            "external_id": "8842",
            "title": "Stoneware vase",
            "url": "https://shop.example.com/products/vase",
            "price": "24.50",
            "currency": "EUR",
            "collections": ["home"],
        },
        idempotent=True,
        tag="products",
    ),
    Operation(
        "GET",
        "/api/v1/products",
        list_products,
        "List products, newest first",
        {200: ("a page of products", Page[ProductOut])},
        query=ProductQuery,
        tag="products",
    ),
    Operation(
        "GET",
        "/api/v1/products/{product_id}",
        get_one,
        "Read a product",
        {200: ("the product", ProductOut)},
        path_ids=PRODUCT_ID,
        tag="products",
    ),
    Operation(
        "DELETE",
        "/api/v1/products/{product_id}",
        deactivate,
        "Deactivate a product: no longer recommended, kept for past orders and analytics",
        {200: ("the deactivated product", ProductOut)},
        path_ids=PRODUCT_ID,
        tag="products",
    ),
]
