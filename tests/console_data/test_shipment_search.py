"""Shipment search: text (order number, tracking number, email), filters, keyset pages, shop scope, index use."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from app.catalog.shipment_search import (
    ShipmentQuery,
    decode_cursor,
    encode_cursor,
    matching_statement,
    search_shipments,
    search_statement,
)
from app.db import reading, writing
from tests.console_data.seed import T0, add_order, add_shipment
from tests.factories import make_merchant

TODAY = date(2026, 3, 2)


async def _seed(engine) -> tuple[int, int, dict[str, int]]:
    shop, _ = await make_merchant(engine, "acme")
    other, _ = await make_merchant(engine, "other")
    ids: dict[str, int] = {}
    async with writing(engine) as conn:
        a = await add_order(conn, shop, "A-1001", email="ann@example.com")
        b = await add_order(conn, shop, "A-1002", email="bob@example.com")
        c = await add_order(conn, shop, "B-77", email="Cat@Example.com")
        ids["a1"] = await add_shipment(conn, shop, a, "SBIT10000001", updated_at=T0)
        ids["a2"] = await add_shipment(
            conn,
            shop,
            a,
            "SBIT10000002",
            updated_at=T0 + timedelta(hours=1),
            status="delivered",
            estimate_latest=TODAY - timedelta(days=5),
        )
        ids["b"] = await add_shipment(
            conn, shop, b, "1Z999AA10123456784", carrier="ups", updated_at=T0 + timedelta(hours=2), status="exception"
        )
        ids["c"] = await add_shipment(
            conn, shop, c, "SBLATE000001", updated_at=T0 + timedelta(hours=3), estimate_latest=TODAY - timedelta(days=1)
        )
        ids["c2"] = await add_shipment(
            conn,
            shop,
            c,
            "SBACT0000001",
            updated_at=T0 + timedelta(hours=3),
            status="available_for_pickup",
            action_required=True,
        )
        theirs = await add_order(conn, other, "A-1001", email="ann@example.com")
        ids["theirs"] = await add_shipment(conn, other, theirs, "SBIT10000001", updated_at=T0 + timedelta(hours=9))
    return shop, other, ids


async def _ids(engine, shop: int, **fields) -> list[int]:
    async with reading(engine) as conn:
        page = await search_shipments(conn, merchant_id=shop, query=ShipmentQuery(**fields), today=TODAY)
    return [row.id for row in page.rows]


async def test_text_search_filters_and_scope(engine) -> None:
    shop, other, ids = await _seed(engine)
    assert await _ids(engine, shop) == [ids["c2"], ids["c"], ids["b"], ids["a2"], ids["a1"]]  # newest update first
    assert await _ids(engine, shop, text="A-100") == [ids["b"], ids["a2"], ids["a1"]]  # order number prefix
    assert await _ids(engine, shop, text="A-1001") == [ids["a2"], ids["a1"]]  # exact order number
    assert await _ids(engine, shop, text="sbit 1000-0002") == [ids["a2"]]  # tracking number, normalised
    assert await _ids(engine, shop, text="1Z999") == [ids["b"]]  # tracking prefix
    assert await _ids(engine, shop, text="bob@example.com") == [ids["b"]]  # exact email
    assert await _ids(engine, shop, text="cat@example.com") == []  # stored as typed: exact, not case-folded
    assert await _ids(engine, shop, text="Cat@Example.com") == [ids["c2"], ids["c"]]
    assert await _ids(engine, shop, text="bob@") == []  # an email is never a prefix search
    assert await _ids(engine, shop, text="A-1%") == []  # LIKE wildcards mean nothing
    assert await _ids(engine, shop, status="exception") == [ids["b"]]
    assert await _ids(engine, shop, carrier="ups") == [ids["b"]]
    assert await _ids(engine, shop, late=True) == [ids["c"]]  # a delivered one past its estimate is not late
    assert await _ids(engine, shop, trouble=True) == [ids["c2"], ids["b"]]
    assert await _ids(engine, shop, text="A-1001", status="delivered") == [ids["a2"]]
    assert await _ids(engine, other) == [ids["theirs"]]
    assert await _ids(engine, other, text="ann@example.com") == [ids["theirs"]]


async def test_keyset_pages_cover_everything_once(engine) -> None:
    shop, _ = await make_merchant(engine, "acme")
    async with writing(engine) as conn:
        order = await add_order(conn, shop, "P-1")
        expected = []
        for n in range(23):  # pairs share an update time: the id breaks the tie
            expected.append(
                await add_shipment(conn, shop, order, f"SBPG{n:08d}", updated_at=T0 + timedelta(minutes=n // 2))
            )
    seen: list[int] = []
    cursor = ""
    async with reading(engine) as conn:
        for _ in range(5):
            page = await search_shipments(
                conn, merchant_id=shop, query=ShipmentQuery(cursor=cursor), today=TODAY, limit=10
            )
            seen += [row.id for row in page.rows]
            cursor = page.next_cursor
            if not cursor:
                break
    assert seen == sorted(expected, key=lambda i: (expected.index(i) // 2, i), reverse=True)
    assert len(seen) == 23 and len(set(seen)) == 23


def test_query_errors_name_the_field() -> None:
    assert ShipmentQuery(status="lost", carrier="pigeon", cursor="%%%").errors() == {
        "status": "is not a shipment status",
        "carrier": "is not a known carrier",
        "cursor": "is not a page marker from this list",
    }
    assert ShipmentQuery(status="delivered", carrier="ups").errors() == {}
    assert decode_cursor(encode_cursor(T0, 42)) == (T0, 42)


async def test_sqlite_plans_use_the_search_indexes(engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    shop, _, _ = await _seed(engine)
    async with reading(engine) as conn:
        plans = {}
        for name, statement in _statements(shop).items():
            sql = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
            plans[name] = " | ".join(row[-1] for row in (await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all())
    assert "ix_shipment_recent (merchant_id=?)" in plans["newest"]
    assert "ix_shipment_status_recent (merchant_id=? AND status=?)" in plans["status"]
    assert "INTEGER PRIMARY KEY (rowid=?)" in plans["by ids"].split("|")[0]
    assert "sqlite_autoindex_shop_order_1 (merchant_id=? AND number>? AND number<?)" in plans["number or tracking"]
    assert (
        "ix_shipment_tracking_number (merchant_id=? AND tracking_number>? AND tracking_number<?)"
        in plans["number or tracking"]
    )
    assert "ix_shipment_order_id (order_id=?)" in plans["email"]
    for name, plan in plans.items():
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), (name, plan)


def _statements(shop: int) -> dict[str, object]:
    return {
        "newest": search_statement(shop, ShipmentQuery(), TODAY, 50),
        "status": search_statement(shop, ShipmentQuery(status="exception"), TODAY, 50),
        "by ids": search_statement(shop, ShipmentQuery(), TODAY, 50, [1, 2, 3]),
        "number or tracking": matching_statement(shop, "A-100", 1000),
        "email": matching_statement(shop, "ann@example.com", 1000),
    }
