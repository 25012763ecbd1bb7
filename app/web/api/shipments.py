"""/api/v1/shipments: create (carrier optional), list with filters and cursor pages, read one with its events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy import and_, func, or_, select

from app.ingest.schemas import ShipmentIn, as_utc
from app.ingest.shipments import CarrierUnknown, ParcelItemsInvalid, shipment_in
from app.models import Order, Shipment, ShipmentItem, TrackingEvent
from app.web.api.errors import ApiError, invalid, not_found
from app.web.api.framework import Call, Operation, Reply
from app.web.api.models import EventOut, Page, ParcelItemOut, ShipmentDetail, ShipmentOut, utc
from app.web.api.paging import PageQuery, next_cursor, paged
from carriers.registry import CARRIER_CODES
from carriers.status import TERMINAL, Status

SH, ORD, EV, SI = Shipment.__table__, Order.__table__, TrackingEvent.__table__, ShipmentItem.__table__


class ShipmentQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    status: Status | None = None
    carrier: str | None = Field(default=None, json_schema_extra={"enum": list(CARRIER_CODES)})
    order_number: str | None = Field(default=None, min_length=1, max_length=64)
    updated_since: datetime | None = Field(default=None, description="updated at or after this time (UTC if naive)")
    late: bool | None = Field(
        default=None,
        description="true: not finished and past the latest estimate (or the "
        "promised date when there is no estimate); false: the others",
    )

    @field_validator("carrier")
    @classmethod
    def _carrier(cls, value: str | None) -> str | None:
        if value is not None and value not in CARRIER_CODES:
            raise ValueError(f"unknown carrier; one of: {', '.join(CARRIER_CODES)}")
        return value

    @field_validator("updated_since")
    @classmethod
    def _since(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


def shipment_select() -> Any:
    return select(SH, ORD.c.number.label("order_number")).join(ORD, ORD.c.id == SH.c.order_id)


def late_condition(today: Any, *, late: bool) -> Any:
    """Not finished and past the latest estimate (or the promised date when there is none), or its exact opposite."""
    deadline = func.coalesce(SH.c.estimate_latest, ORD.c.promised_by)
    finished = [s.value for s in TERMINAL]
    if late:
        return and_(deadline.is_not(None), deadline < today, SH.c.status.not_in(finished))
    return or_(deadline.is_(None), deadline >= today, SH.c.status.in_(finished))


def out(call: Call, row: Any) -> ShipmentOut:
    return ShipmentOut.of(row, base_url=call.settings.base_url, secret_key=call.settings.secret_key)


async def load_detail(call: Call, shipment_id: int) -> ShipmentDetail:
    row = (
        await call.conn.execute(shipment_select().where(SH.c.id == shipment_id, SH.c.merchant_id == call.merchant_id))
    ).first()
    if row is None:
        raise not_found("shipment")
    events = await call.conn.execute(
        select(EV).where(EV.c.shipment_id == shipment_id).order_by(EV.c.occurred_at.desc(), EV.c.id.desc())
    )
    listed = [
        EventOut(
            time=utc(e.occurred_at),
            status=e.status,
            substatus=e.substatus,
            carrier_code=e.carrier_code,
            description=e.description,
            location=e.location,
            action_required=e.action_required,
        )
        for e in events
    ]
    carried = await call.conn.execute(
        select(SI.c.sku, SI.c.product_id, SI.c.variant, SI.c.quantity)
        .where(SI.c.shipment_id == shipment_id)
        .order_by(SI.c.id)
    )
    parcel = [ParcelItemOut.model_validate(item, from_attributes=True) for item in carried]
    return ShipmentDetail(**out(call, row).model_dump(), events=listed, parcel_items=parcel)


async def create(call: Call) -> Reply:
    data: ShipmentIn = call.body
    try:
        shipment = await shipment_in(
            call.conn, merchant_id=call.merchant_id, data=data, secret_key=call.settings.secret_key, now=call.now
        )
    except CarrierUnknown as exc:
        raise invalid("carrier", str(exc)) from None
    except ParcelItemsInvalid as exc:
        errors = [{"field": place, "reason": reason} for place, reason in exc.errors.items()]
        raise ApiError(422, "validation failed", errors) from None
    return Reply(201 if shipment.created else 200, await load_detail(call, shipment.shipment_id))


async def list_shipments(call: Call) -> Reply:
    query: ShipmentQuery = call.query
    statement = shipment_select().where(SH.c.merchant_id == call.merchant_id)
    if query.status is not None:
        statement = statement.where(SH.c.status == query.status.value)
    if query.carrier is not None:
        statement = statement.where(SH.c.carrier == query.carrier)
    if query.order_number is not None:
        statement = statement.where(ORD.c.number == query.order_number)
    if query.updated_since is not None:
        statement = statement.where(SH.c.updated_at >= query.updated_since)
    if query.late is not None:
        statement = statement.where(late_condition(call.now.date(), late=query.late))
    rows, cursor = next_cursor(list(await call.conn.execute(paged(statement, SH.c.id, query))), query.limit)
    return Reply(200, Page[ShipmentOut](data=[out(call, row) for row in rows], next_cursor=cursor))


async def get_one(call: Call) -> Reply:
    return Reply(200, await load_detail(call, call.ids["shipment_id"]))


operations = [
    Operation(
        "POST",
        "/api/v1/shipments",
        create,
        "Create a shipment (and its order when the number is new); carrier detected when omitted",
        {201: ("created", ShipmentDetail), 200: ("this shop already has the tracking number", ShipmentDetail)},
        body=ShipmentIn,
        example={
            "order_number": "1001",
            "tracking_number": "1Z999AA10123456784",
            "customer": {"email": "a@example.com"},
        },
        idempotent=True,
        tag="shipments",
    ),
    Operation(
        "GET",
        "/api/v1/shipments",
        list_shipments,
        "List shipments, newest first, with filters",
        {200: ("a page of shipments", Page[ShipmentOut])},
        query=ShipmentQuery,
        tag="shipments",
    ),
    Operation(
        "GET",
        "/api/v1/shipments/{shipment_id}",
        get_one,
        "Read a shipment with its events",
        {200: ("the shipment", ShipmentDetail)},
        path_ids=("shipment_id",),
        tag="shipments",
    ),
]
