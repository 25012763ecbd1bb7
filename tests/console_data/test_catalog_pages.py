"""Catalogue console pages over HTTP: CSV upload report and re-upload, product edit keeps what was typed,
rules with field errors, preview, other shops' ids 404, CSRF-less POST 403."""

from __future__ import annotations

from sqlalchemy import select

from app.db import reading, writing
from app.models import Product
from tests.console_data.seed import add_order, add_product

CSV = (
    b"external_id,title,url,price,currency,collections\n"
    b"vase,Stoneware vase,https://shop.test/vase,24.90,EUR,summer\n"
    b"cloth,Linen cloth,not-a-url,9,EUR,\n"
    b"board,Oak board,https://shop.test/board,,,kitchen\n"
)


async def _upload(console, data: bytes):
    return await console.client.post(
        "/console/catalog/upload",
        data=console.form(),
        files={"file": ("catalogue.csv", data, "text/csv")},
        headers=console.origin,
    )


async def test_upload_reports_bad_lines_and_reupload_changes_nothing(console, runtime) -> None:
    first = await _upload(console, CSV)
    assert first.status_code == 200
    assert "2 added, 0 changed, 0 unchanged, 1 refused" in first.text
    assert "Line 3: url: must be an http:// or https:// address" in first.text
    again = await _upload(console, CSV)
    assert "0 added, 0 changed, 2 unchanged, 1 refused" in again.text
    broken = await _upload(console, b"title,url\nVase,https://x.test\n")
    assert broken.status_code == 400 and "missing column(s) external_id" in broken.text
    listing = await console.client.get("/console/catalog")
    assert "Stoneware vase" in listing.text and "2 active of 2 products" in listing.text
    refused = await console.client.post(
        "/console/catalog/upload", files={"file": ("c.csv", CSV, "text/csv")}, headers=console.origin
    )
    assert refused.status_code == 403


async def test_product_edit_keeps_typed_values_and_other_shops_are_404(console, runtime) -> None:
    async with writing(runtime.engine) as conn:
        mine = await add_product(conn, console.shop, "vase")
        await add_product(conn, console.shop, "cloth")
        theirs = await add_product(conn, console.other, "theirs")
    bad = await console.client.post(
        f"/console/catalog/products/{mine}",
        data=console.form(external_id="cloth", title="New title", url="https://shop.test/v", price="1.234"),
        headers=console.origin,
    )
    assert bad.status_code == 400
    assert "has more than two decimals" in bad.text and 'value="New title"' in bad.text and 'value="1.234"' in bad.text
    taken = await console.client.post(
        f"/console/catalog/products/{mine}",
        data=console.form(external_id="cloth", title="New title", url="https://shop.test/v"),
        headers=console.origin,
    )
    assert taken.status_code == 400 and "another product already has this id" in taken.text
    saved = await console.client.post(
        f"/console/catalog/products/{mine}",
        data=console.form(external_id="vase", title="New title", url="https://shop.test/v", price="3", currency="eur"),
        headers=console.origin,
    )
    assert saved.status_code == 303
    async with reading(runtime.engine) as conn:
        row = (await conn.execute(select(Product.__table__).where(Product.__table__.c.id == mine))).one()
    assert (row.title, row.price_cents, row.currency, row.active) == ("New title", 300, "EUR", False)
    assert (await console.client.get(f"/console/catalog/products/{theirs}")).status_code == 404
    other_post = await console.client.post(
        f"/console/catalog/products/{theirs}/active", data=console.form(active="0"), headers=console.origin
    )
    assert other_post.status_code == 404


async def test_rules_form_errors_and_preview(console, runtime) -> None:
    async with writing(runtime.engine) as conn:
        await add_product(conn, console.shop, "vase")
        await add_product(conn, console.shop, "cloth")
        await add_order(conn, console.shop, "A-1", items=("vase",))
    bad = await console.client.post(
        "/console/catalog/rules",
        data=console.form(when_kind="product", when_value="vase", recommend="nope"),
        headers=console.origin,
    )
    assert bad.status_code == 400 and "no product &#39;nope&#39; in the catalogue" in bad.text
    assert 'value="nope"' in bad.text and 'value="vase"' in bad.text
    made = await console.client.post(
        "/console/catalog/rules",
        data=console.form(when_kind="product", when_value="vase", recommend="cloth"),
        headers=console.origin,
    )
    assert made.status_code == 303
    page = await console.client.get("/console/catalog", params={"preview": "A-1"})
    assert "recommend Product cloth (cloth)" in page.text
    assert "Nothing would be recommended with order A-1" in page.text or "Product cloth</a>" in page.text
    missing = await console.client.get("/console/catalog", params={"preview": "Z-9"})
    assert "no order &#39;Z-9&#39; in this shop" in missing.text
