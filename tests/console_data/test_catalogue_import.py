"""Catalogue CSV: bad rows reported with their line and reason, the others imported, re-upload changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.product_input import ProductInvalid, parse_price, validate_product
from app.catalog.products import list_products, upsert_products
from app.catalog.products_csv import CatalogueFileInvalid, parse_catalogue
from app.db import reading, writing
from app.models import Product
from tests.factories import make_merchant

GOOD_AND_BAD = (
    b"external_id,sku,title,url,image_url,price,currency,collections\n"
    b'p1,SKU-1,Stoneware vase,https://shop.test/p1,,24.90,EUR,"vases, Summer"\n'
    b"p2,,Linen cloth,ftp://shop.test/p2,,9,EUR,\n"
    b"\n"
    b'p3,,"Oak board,\nlarge",https://shop.test/p3,,12.345,EUR,\n'
    b"p4,,Mug,https://shop.test/p4,,5,ZZZ,\n"
    b"p1,,Duplicate,https://shop.test/p1b,,,,\n"
    b"p5,,Bowl,https://shop.test/p5,https://cdn.test/p5.jpg,,,kitchen\n"
    b"p6,,,https://shop.test/p6,,,,\n"
    b"p7,,Too few\n"
)


def test_bad_rows_are_reported_with_their_line_and_reason() -> None:
    parsed = parse_catalogue(GOOD_AND_BAD)
    assert [row.external_id for row in parsed.rows] == ["p1", "p5"]
    errors = {error.line: error.reason for error in parsed.errors}
    assert errors == {
        3: "url: must be an http:// or https:// address",
        5: "price: has more than two decimals",  # the quoted title spans lines 5-6
        7: "currency: is not an ISO 4217 currency code (like EUR or USD)",
        8: "external_id: 'p1' already on line 2",
        10: "title: is required",
        11: "has 3 values for 8 columns",
    }
    first = parsed.rows[0]
    assert (first.price_cents, first.currency, first.collections) == (2490, "EUR", "vases,summer")


def test_whole_file_problems_name_the_reason() -> None:
    with pytest.raises(CatalogueFileInvalid, match="missing column\\(s\\) url"):
        parse_catalogue(b"external_id,title\np1,Vase\n")
    with pytest.raises(CatalogueFileInvalid, match="unknown column\\(s\\) colour"):
        parse_catalogue(b"external_id,title,url,colour\n")
    with pytest.raises(CatalogueFileInvalid, match="not UTF-8"):
        parse_catalogue("external_id,title,url\np1,Vase é,https://x.test\n".encode("latin-1"))
    with pytest.raises(CatalogueFileInvalid, match="empty"):
        parse_catalogue(b"")
    assert parse_catalogue("\ufeffexternal_id,title,url\np1,Vase,https://x.test\n".encode()).rows[0].title == "Vase"


def test_price_and_field_checks() -> None:
    assert parse_price("12.5") == 1250 and parse_price("") == 0 and parse_price("0.99") == 99
    for bad, reason in {"-1": "zero or more", "abc": "like 12.50", "NaN": "zero or more", "1e9": "too large"}.items():
        with pytest.raises(ValueError, match=reason):
            parse_price(bad)
    with pytest.raises(ProductInvalid) as caught:
        validate_product({"external_id": "x" * 65, "title": "T", "url": "https://a.test", "price": "3"})
    assert caught.value.errors == {
        "external_id": "is longer than 64 characters",
        "currency": "is required when a price is given",
    }


async def _products(engine, merchant_id: int) -> dict[str, tuple]:
    async with reading(engine) as conn:
        rows = await conn.execute(select(Product.__table__).where(Product.__table__.c.merchant_id == merchant_id))
        return {row.external_id: (row.title, row.price_cents, row.collections, row.updated_at) for row in rows}


async def test_reupload_changes_nothing_and_a_changed_row_is_updated(engine) -> None:
    shop, _ = await make_merchant(engine, "acme")
    other, _ = await make_merchant(engine, "other")
    parsed = parse_catalogue(GOOD_AND_BAD)
    async with writing(engine) as conn:
        first = await upsert_products(conn, merchant_id=shop, products=parsed.rows)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    before = await _products(engine, shop)
    async with writing(engine) as conn:
        again = await upsert_products(conn, merchant_id=shop, products=parse_catalogue(GOOD_AND_BAD).rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert await _products(engine, shop) == before

    edited = GOOD_AND_BAD.replace(
        b"Stoneware vase,https://shop.test/p1,,24.90", b"Stoneware vase,https://shop.test/p1,,19.90"
    )
    async with writing(engine) as conn:
        third = await upsert_products(conn, merchant_id=shop, products=parse_catalogue(edited).rows)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    after = await _products(engine, shop)
    assert after["p1"][1] == 1990 and after["p1"][3] >= before["p1"][3]
    assert after["p5"] == before["p5"]
    assert await _products(engine, other) == {}
    async with reading(engine) as conn:
        assert [row.external_id for row in await list_products(conn, merchant_id=shop, search="p5")] == ["p5"]
        assert await list_products(conn, merchant_id=other) == []
