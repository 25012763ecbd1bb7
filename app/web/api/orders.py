"""/api/v1/orders: create, list with filters and cursor pages, read with shipments, change, cancel, feedback."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, EmailStr, Field, field_validator
from sqlalchemy import select

from app.ingest.feedback import FeedbackFields, record_feedback
from app.ingest.orders import cancel_order, update_order, upsert_order
from app.ingest.schemas import OrderFields, OrderIn, Source, Strict, as_utc
from app.models import LineItem, Order, Shipment, SurveyResponse
from app.web.api.errors import ApiError, not_found
from app.web.api.framework import Call, Operation, Reply
from app.web.api.models import FeedbackOut, OrderDetail, OrderOut, Page, ShipmentOut
from app.web.api.paging import PageQuery, next_cursor, paged

ORD, ITEM, SH, SURVEY = Order.__table__, LineItem.__table__, Shipment.__table__, SurveyResponse.__table__


class OrderQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    number: str | None = Field(default=None, min_length=1, max_length=64)
    external_id: str | None = Field(default=None, min_length=1, max_length=64)
    email: EmailStr | None = None
    source: Source | None = None
    cancelled: bool | None = None
    updated_since: datetime | None = Field(default=None, description="updated at or after this time (UTC if naive)")

    @field_validator("updated_since")
    @classmethod
    def _since(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=40, description="why the order was cancelled (a short code)")


async def _items(call: Call, order_ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    if order_ids:
        rows = await call.conn.execute(select(ITEM).where(ITEM.c.order_id.in_(order_ids)).order_by(ITEM.c.id))
        for row in rows:
            found[row.order_id].append(row)
    return found


async def _order_row(call: Call, order_id: int) -> Any:
    row = (
        await call.conn.execute(select(ORD).where(ORD.c.id == order_id, ORD.c.merchant_id == call.merchant_id))
    ).first()
    if row is None:
        raise not_found("order")
    return row


async def load_detail(call: Call, order_id: int) -> OrderDetail:
    row = await _order_row(call, order_id)
    items = (await _items(call, [order_id]))[order_id]
    shipments = await call.conn.execute(
        select(SH, ORD.c.number.label("order_number"))
        .join(ORD, ORD.c.id == SH.c.order_id)
        .where(SH.c.order_id == order_id)
        .order_by(SH.c.id)
    )
    settings = call.settings
    listed = [ShipmentOut.of(s, base_url=settings.base_url, secret_key=settings.secret_key) for s in shipments]
    return OrderDetail(**OrderOut.of(row, items).model_dump(), shipments=listed)


async def create(call: Call) -> Reply:
    data: OrderIn = call.body
    made = await upsert_order(
        call.conn, merchant_id=call.merchant_id, data=data, now=call.now, secret_key=call.settings.secret_key
    )
    if not made.created:  # the error rolls back whatever upsert_order changed on the existing order
        raise ApiError(409, f"order {data.number!r} already exists (id {made.order_id}); change it with PATCH")
    return Reply(201, await load_detail(call, made.order_id))


async def list_orders(call: Call) -> Reply:
    query: OrderQuery = call.query
    statement = select(ORD).where(ORD.c.merchant_id == call.merchant_id)
    filters = {"number": ORD.c.number, "external_id": ORD.c.external_id, "source": ORD.c.source}
    for name, column in filters.items():
        if getattr(query, name) is not None:
            statement = statement.where(column == getattr(query, name))
    if query.email is not None:
        statement = statement.where(ORD.c.customer_email == str(query.email).lower())
    if query.cancelled is not None:
        statement = statement.where(
            ORD.c.cancelled_at.is_not(None) if query.cancelled else ORD.c.cancelled_at.is_(None)
        )
    if query.updated_since is not None:
        statement = statement.where(ORD.c.updated_at >= query.updated_since)
    rows, cursor = next_cursor(list(await call.conn.execute(paged(statement, ORD.c.id, query))), query.limit)
    items = await _items(call, [row.id for row in rows])
    return Reply(200, Page[OrderOut](data=[OrderOut.of(row, items[row.id]) for row in rows], next_cursor=cursor))


async def get_one(call: Call) -> Reply:
    return Reply(200, await load_detail(call, call.ids["order_id"]))


async def change(call: Call) -> Reply:
    row = await _order_row(call, call.ids["order_id"])
    await update_order(call.conn, merchant_id=call.merchant_id, order_id=row.id, data=call.body, now=call.now, row=row)
    return Reply(200, await load_detail(call, row.id))


async def cancel(call: Call) -> Reply:
    row = await _order_row(call, call.ids["order_id"])
    await cancel_order(call.conn, merchant_id=call.merchant_id, order_id=row.id, reason=call.body.reason, now=call.now)
    return Reply(200, await load_detail(call, row.id))


async def feedback(call: Call) -> Reply:
    row = await _order_row(call, call.ids["order_id"])
    made = await record_feedback(
        call.conn, merchant_id=call.merchant_id, order_id=row.id, data=call.body, source="api", now=call.now
    )
    stored = (await call.conn.execute(feedback_select().where(SURVEY.c.id == made.feedback_id))).one()
    return Reply(201 if made.created else 200, FeedbackOut.of(stored))


def feedback_select() -> Any:
    return select(SURVEY, ORD.c.number.label("order_number")).join(ORD, ORD.c.id == SURVEY.c.order_id)


ORDER_ID = ("order_id",)
operations = [
    Operation(
        "POST",
        "/api/v1/orders",
        create,
        "Create an order",
        {201: ("created", OrderDetail)},
        body=OrderIn,
        example={
            "number": "1001",
            "customer": {"name": "Alex Doe", "email": "alex@example.com", "locale": "fr", "timezone": "Europe/Paris"},
            "address": {"city": "Bordeaux", "postal_code": "33000", "country": "FR"},
            "placed_at": "2026-03-01T10:00:00Z",
            "currency": "EUR",
            "total": "49.90",
            "items": [{"title": "Stoneware vase", "sku": "VASE-1", "quantity": 1, "product_id": "8842"}],
        },
        idempotent=True,
        tag="orders",
        errors={409: "an order with this number already exists"},
    ),
    Operation(
        "GET",
        "/api/v1/orders",
        list_orders,
        "List orders, newest first, with filters",
        {200: ("a page of orders", Page[OrderOut])},
        query=OrderQuery,
        tag="orders",
    ),
    Operation(
        "GET",
        "/api/v1/orders/{order_id}",
        get_one,
        "Read an order with its items and shipments",
        {200: ("the order", OrderDetail)},
        path_ids=ORDER_ID,
        tag="orders",
    ),
    Operation(
        "PATCH",
        "/api/v1/orders/{order_id}",
        change,
        "Change the fields given (items, when given, replace the order's items)",
        {200: ("the changed order", OrderDetail)},
        body=OrderFields,
        example={"customer": {"phone": "+33612345678"}, "promised_by": "2026-03-06"},
        path_ids=ORDER_ID,
        tag="orders",
    ),
    Operation(
        "POST",
        "/api/v1/orders/{order_id}/cancel",
        cancel,
        "Cancel an order (the shopper gets the cancellation message; cancelling twice keeps the first)",
        {200: ("the cancelled order", OrderDetail)},
        body=CancelIn,
        example={"reason": "customer_request"},
        path_ids=ORDER_ID,
        tag="orders",
    ),
    Operation(
        "POST",
        "/api/v1/orders/{order_id}/feedback",
        feedback,
        "Record the shopper's delivery feedback for an order (replaces earlier feedback)",
        {201: ("recorded", FeedbackOut), 200: ("replaced the order's earlier feedback", FeedbackOut)},
        body=FeedbackFields,
        example={"rating": 5, "comment": "Arrived a day early."},
        path_ids=ORDER_ID,
        tag="feedback",
    ),
]
