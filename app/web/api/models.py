"""API answers as pydantic models: handlers return them and the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from app.security.tokens import derive_token

T = TypeVar("T")


def utc(value: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite and `timestamp without time zone` hand them back naive."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class CustomerOut(BaseModel):
    name: str
    email: str
    phone: str
    locale: str
    timezone: str


class AddressOut(BaseModel):
    city: str
    postal_code: str
    country: str


class ItemOut(BaseModel):
    title: str
    sku: str
    quantity: int
    image_url: str
    product_url: str
    product_id: str
    variant: str


class EstimateOut(BaseModel):
    earliest: date | None
    latest: date | None


class EventOut(BaseModel):
    time: datetime
    status: str
    substatus: str
    carrier_code: str
    description: str
    location: str
    action_required: bool


class ShipmentOut(BaseModel):
    id: int
    order_id: int
    order_number: str
    carrier: str
    service: str
    tracking_number: str
    status: str
    substatus: str
    action_required: bool
    estimated_delivery: EstimateOut
    shipped_at: datetime | None
    delivered_at: datetime | None
    signed_by: str
    last_event_at: datetime | None
    tracking_url: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any, *, base_url: str, secret_key: str) -> ShipmentOut:
        token = derive_token(secret_key, row.ref, row.token_version)
        return cls(
            id=row.id,
            order_id=row.order_id,
            order_number=row.order_number,
            carrier=row.carrier,
            service=row.service,
            tracking_number=row.tracking_number,
            status=row.status,
            substatus=row.substatus,
            action_required=row.action_required,
            estimated_delivery=EstimateOut(earliest=row.estimate_earliest, latest=row.estimate_latest),
            shipped_at=utc(row.shipped_at),
            delivered_at=utc(row.delivered_at),
            signed_by=row.signed_by,
            last_event_at=utc(row.last_event_at),
            tracking_url=f"{base_url.rstrip('/')}/t/{token}",
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )


class ParcelItemOut(BaseModel):
    sku: str
    product_id: str
    variant: str
    quantity: int


class ShipmentDetail(ShipmentOut):
    events: list[EventOut] = Field(description="newest first")
    parcel_items: list[ParcelItemOut] = Field(description="the order's items this parcel carries, when the shop said")


class OrderOut(BaseModel):
    id: int
    number: str
    external_id: str
    source: str
    customer: CustomerOut
    address: AddressOut
    placed_at: datetime
    promised_by: date | None
    currency: str
    total_cents: int
    total: str = Field(description="the same amount as a decimal string")
    items: list[ItemOut]
    first_order: bool
    holdout: bool
    cancelled_at: datetime | None
    cancel_reason: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any, items: list[Any]) -> OrderOut:
        return cls(
            id=row.id,
            number=row.number,
            external_id=row.external_id,
            source=row.source,
            customer=CustomerOut(
                name=row.customer_name,
                email=row.customer_email,
                phone=row.customer_phone,
                locale=row.locale,
                timezone=row.timezone,
            ),
            address=AddressOut(city=row.city, postal_code=row.postal_code, country=row.country),
            placed_at=utc(row.placed_at),
            promised_by=row.promised_by,
            currency=row.currency,
            total_cents=row.total_cents,
            total=cents_text(row.total_cents),
            items=[ItemOut.model_validate(item, from_attributes=True) for item in items],
            first_order=row.first_order,
            holdout=row.holdout,
            cancelled_at=utc(row.cancelled_at),
            cancel_reason=row.cancel_reason,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )


class OrderDetail(OrderOut):
    shipments: list[ShipmentOut]


class ProductOut(BaseModel):
    id: int
    external_id: str
    sku: str
    title: str
    url: str
    image_url: str
    price_cents: int
    currency: str
    collections: list[str]
    active: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> ProductOut:
        return cls(
            id=row.id,
            external_id=row.external_id,
            sku=row.sku,
            title=row.title,
            url=row.url,
            image_url=row.image_url,
            price_cents=row.price_cents,
            currency=row.currency,
            collections=[c for c in row.collections.split(",") if c],
            active=row.active,
            updated_at=utc(row.updated_at),
        )


class FeedbackOut(BaseModel):
    id: int
    kind: str = Field(description="feedback (a delivery score) or cancel_reason (why a shopper cancelled)")
    order_id: int
    order_number: str
    shipment_id: int | None
    rating: int | None
    value: str = Field(description="the cancellation reason code, empty for feedback")
    comment: str
    source: str
    saved: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> FeedbackOut:
        return cls(
            id=row.id,
            kind=row.kind,
            order_id=row.order_id,
            order_number=row.order_number,
            shipment_id=row.shipment_id,
            rating=row.rating,
            value=row.value,
            comment=row.comment,
            source=row.source,
            saved=row.saved,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )
