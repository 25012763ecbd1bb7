"""CSV import: bad rows reported by line and reason, the others imported; the same file again changes nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import make_engine, reading
from app.integrations import csv_import
from app.integrations.csv_import import get_run, import_csv, run_cli
from app.models import LineItem, Order, Shipment, ShipmentItem, metadata
from app.runtime import Runtime
from tests.conftest import make_settings
from tests.factories import make_merchant

SAMPLE = Path(__file__).parent / "payloads" / "orders.csv"


async def rows(engine: AsyncEngine, model: Any) -> list[Any]:
    table = model.__table__
    async with reading(engine) as conn:
        return list((await conn.execute(select(table).order_by(table.c.id))).all())


async def run(rt: Runtime, merchant_id: int, data: bytes, name: str = "orders.csv") -> Any:
    return await import_csv(
        rt.engine, merchant_id=merchant_id, stream=io.BytesIO(data), filename=name, secret_key=rt.settings.secret_key
    )


async def test_bad_rows_are_reported_by_line_and_the_others_imported(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    report = await run(rt, shop, SAMPLE.read_bytes())
    assert (report.rows_total, report.rows_imported, report.rows_unchanged, report.rows_failed) == (10, 3, 0, 7)
    assert report.errors == [
        {"line": 4, "error": "email: value is not a valid email address: An email address must have an @-sign."},
        {"line": 6, "error": "tracking_number: must be 6-40 letters and digits (spaces and dashes are ignored)"},
        {"line": 7, "error": "order_number: required"},
        {"line": 8, "error": report.errors[3]["error"]},
        {"line": 9, "error": "carrier: could not be recognised from the tracking number; fill in the carrier column"},
        {"line": 10, "error": report.errors[5]["error"]},
        {"line": 11, "error": "quantity: Input should be greater than or equal to 1"},
    ]
    assert report.errors[3]["error"].startswith("carrier: unknown carrier")
    assert report.errors[5]["error"].startswith("promised_by: ")

    orders = {o.number: o for o in await rows(rt.engine, Order)}
    assert sorted(orders) == ["2001", "2003"]
    first = orders["2001"]
    assert (first.customer_name, first.customer_email, first.locale, first.city, first.country, first.source) == (
        "Léa Dubois",
        "lea@example.com",
        "fr",
        "Lyon",
        "FR",
        "csv",
    )
    assert first.promised_by == date(2025, 3, 10)
    items = await rows(rt.engine, LineItem)
    assert [(i.order_id, i.sku, i.title, i.quantity) for i in items] == [
        (first.id, "MUG-1", "Mug, speckled", 2),
        (first.id, "PLT-2", "Side plate", 4),
        (orders["2003"].id, "BWL-3", "Bowl", 1),
    ]
    shipments = {(s.carrier, s.tracking_number) for s in await rows(rt.engine, Shipment)}
    assert shipments == {("ups", "1Z999AA10123456784"), ("laposte", "6A12345678901")}

    saved = await get_run(rt.engine, shop, report.run_id)
    assert (saved.filename, saved.rows_failed, saved.errors) == ("orders.csv", 7, report.errors)
    assert len(saved.file_sha256) == 64


async def test_importing_the_same_file_again_changes_nothing(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    await run(rt, shop, SAMPLE.read_bytes())
    before = [await rows(rt.engine, m) for m in (Order, LineItem, Shipment)]
    again = await run(rt, shop, SAMPLE.read_bytes())
    assert (again.rows_imported, again.rows_unchanged, again.rows_failed) == (0, 3, 7)
    assert [await rows(rt.engine, m) for m in (Order, LineItem, Shipment)] == before


async def test_a_changed_cell_updates_only_that_order(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    await run(rt, shop, SAMPLE.read_bytes())
    changed = SAMPLE.read_bytes().replace(b"Busan", b"Seoul")
    report = await run(rt, shop, changed)
    assert (report.rows_imported, report.rows_unchanged) == (1, 2)
    assert {o.number: o.city for o in await rows(rt.engine, Order)}["2003"] == "Seoul"


SPLIT = b"""order_number,email,tracking_number,carrier,sku,title,quantity,parcel_quantity
4001,ana@example.com,SBDL29000000101,sandbox,VASE,Vase,1,1
4001,,,,MUG,Mug,2,2
4001,,SBDL29000000102,sandbox,THROW,Throw,2,3
4001,,,,CANDLE,Candle,1,
4002,bo@example.com,,,BOWL,Bowl,1,1
4003,cy@example.com,SBDL29000000103,sandbox,,,,1
"""


async def test_parcel_quantity_says_what_each_parcel_carries(rt: Runtime) -> None:
    """A row's item is in the parcel of its tracking number, or of the nearest one above it for the same order."""
    shop, _ = await make_merchant(rt.engine)
    report = await run(rt, shop, SPLIT)
    assert (report.rows_imported, report.rows_failed) == (5, 1)
    assert report.errors == [
        {"line": 6, "error": "parcel_quantity ignored: no tracking number on this row or above it for this order"},
        {"line": 7, "error": "parcel_quantity: the row has no item (title, and sku or product_id)"},
        {"line": 4, "error": "parcel_quantity ignored: the order holds 2 of sku 'THROW', not 3"},
    ]
    parcels = {s.tracking_number: s.id for s in await rows(rt.engine, Shipment)}
    carried = [(i.shipment_id, i.sku, i.quantity) for i in await rows(rt.engine, ShipmentItem)]
    assert carried == [(parcels["SBDL29000000101"], "VASE", 1), (parcels["SBDL29000000101"], "MUG", 2)]
    assert len(await rows(rt.engine, LineItem)) == 5  # every row's item is the order's, parcel or not

    again = await run(rt, shop, SPLIT)
    assert (again.rows_imported, again.rows_unchanged) == (0, 5)  # the same parcels again change nothing


async def test_missing_order_number_column_fails_the_file_clearly(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    report = await run(rt, shop, b"email,tracking_number\na@example.com,SBTRANSIT0001\n")
    assert report.errors == [{"line": 1, "error": "header: an 'order_number' column is required"}]
    assert await rows(rt.engine, Order) == []


async def test_unknown_columns_are_noted_and_a_bom_is_accepted(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    report = await run(rt, shop, "\ufefforder_number,Email,gift_wrap\n3001,a@example.com,yes\n".encode())
    assert report.rows_imported == 1 and report.rows_failed == 0
    assert report.errors == [{"line": 1, "error": "columns ignored: gift_wrap"}]
    [order] = await rows(rt.engine, Order)
    assert order.customer_email == "a@example.com"


async def test_a_file_is_streamed_in_batches(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "ORDER_BATCH", 40)
    shop, _ = await make_merchant(rt.engine)
    lines = ["order_number,email,title,sku"] + [f"{5000 + i},c{i}@example.com,Item {i},SKU{i}" for i in range(90)]
    seen: list[int] = []
    report = await import_csv(
        rt.engine,
        merchant_id=shop,
        stream=io.BytesIO("\n".join(lines).encode()),
        filename="big.csv",
        secret_key=rt.settings.secret_key,
        progress=lambda rows, size: seen.append(rows),
    )
    assert (report.rows_total, report.rows_imported) == (90, 90)
    assert seen == list(range(1, 91)) and len(await rows(rt.engine, Order)) == 90


async def _shop_database(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await make_merchant(engine, "cli-shop")
    await engine.dispose()


def test_command_line_import_reports_and_exits_nonzero_on_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    asyncio.run(_shop_database(settings.database_url))
    assert run_cli(settings, path=SAMPLE, shop="cli-shop") == 1
    printed = " ".join(capsys.readouterr().err.split())
    assert "10 rows: 3 imported, 0 unchanged, 7 failed" in printed
    assert "line 9: carrier: could not be recognised" in printed
    assert run_cli(settings, path=SAMPLE, shop="cli-shop") == 1
    assert "10 rows: 0 imported, 3 unchanged, 7 failed" in " ".join(capsys.readouterr().err.split())
    assert run_cli(settings, path=SAMPLE, shop="nope") == 2
    assert "no shop with slug 'nope'" in capsys.readouterr().err
    assert run_cli(settings, path=tmp_path / "missing.csv", shop="cli-shop") == 2
