"""Hand-built rows for the console data tests: orders, shipments, products, requests and survey answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import ChangeRequest, LineItem, Order, Product, Shipment, SurveyResponse
from app.security.tokens import derive_token, new_ref, token_hash

SECRET = "test-secret-key-0123456789abcdef0123456789"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def add_order(
    conn: AsyncConnection, merchant_id: int, number: str, *, email: str = "", items: tuple[str, ...] = ()
) -> int:
    values = {"merchant_id": merchant_id, "number": number, "customer_email": email, "customer_name": "Alex Doe"}
    order_id = int((await conn.execute(Order.__table__.insert().values(values))).inserted_primary_key[0])
    for index, product_id in enumerate(items):
        await conn.execute(
            LineItem.__table__.insert().values(order_id=order_id, title=f"Item {index}", product_id=product_id)
        )
    return order_id


async def add_shipment(
    conn: AsyncConnection,
    merchant_id: int,
    order_id: int,
    tracking_number: str,
    *,
    updated_at: datetime = T0,
    status: str = "in_transit",
    carrier: str = "sandbox",
    estimate_latest: date | None = None,
    action_required: bool = False,
) -> int:
    ref = new_ref()
    values: dict[str, Any] = {
        "merchant_id": merchant_id,
        "order_id": order_id,
        "carrier": carrier,
        "tracking_number": tracking_number,
        "ref": ref,
        "token_version": 0,
        "token_hash": token_hash(derive_token(SECRET, ref, 0)),
        "status": status,
        "estimate_latest": estimate_latest,
        "action_required": action_required,
        "updated_at": updated_at,
        "status_changed_at": updated_at,
        "created_at": updated_at,
    }
    return int((await conn.execute(Shipment.__table__.insert().values(values))).inserted_primary_key[0])


async def add_product(conn: AsyncConnection, merchant_id: int, external_id: str, *, collections: str = "") -> int:
    values = {
        "merchant_id": merchant_id,
        "external_id": external_id,
        "title": f"Product {external_id}",
        "url": f"https://shop.test/p/{external_id}",
        "collections": collections,
    }
    return int((await conn.execute(Product.__table__.insert().values(values))).inserted_primary_key[0])


async def add_change_request(
    conn: AsyncConnection, merchant_id: int, order_id: int, kind: str, details: dict[str, Any], *, state: str = "open"
) -> int:
    values = {"merchant_id": merchant_id, "order_id": order_id, "kind": kind, "details": details, "state": state}
    return int((await conn.execute(ChangeRequest.__table__.insert().values(values))).inserted_primary_key[0])


async def add_survey(conn: AsyncConnection, merchant_id: int, order_id: int, kind: str, **fields: Any) -> None:
    values = {"merchant_id": merchant_id, "order_id": order_id, "kind": kind, **fields}
    await conn.execute(SurveyResponse.__table__.insert().values(values))
