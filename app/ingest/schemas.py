"""Input shapes for orders and shipments (API, Shopify, CSV, demo): validated with precise field errors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from carriers.registry import CARRIER_CODES

TRACKING_NUMBER = re.compile(r"^[A-Z0-9]{6,40}$")
LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
URL = r"^(https?://\S+)?$"
DECIMAL_AMOUNT = r"^\d{1,7}(\.\d{1,2})?$"
MAX_CENTS = 2_147_483_647  # a 32-bit integer column
AMOUNT_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": MAX_CENTS, "description": "hundredths of the currency unit"},
        {"type": "string", "pattern": DECIMAL_AMOUNT, "description": "decimal amount, e.g. '49.90'"},
    ]
}
NOT_BLANK = {"pattern": r"\S"}  # what strip-then-min_length means, in the document's terms


def whole_number(value: object) -> object:
    """JSON Schema counts 2.0 as an integer; so do we (strings and fractions are still refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def check_amount(value: object) -> int | str:
    value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be whole cents (a number) or a decimal string like '49.90'")
    if isinstance(value, int) and not 0 <= value <= MAX_CENTS:
        raise ValueError(f"must be between 0 and {MAX_CENTS} cents")
    if isinstance(value, str) and not re.match(DECIMAL_AMOUNT, value):
        raise ValueError("must be whole cents (a number) or a decimal string like '49.90'")
    return value


WholeInt = Annotated[int, BeforeValidator(whole_number)]
Amount = Annotated[int | str, BeforeValidator(check_amount), WithJsonSchema(AMOUNT_SCHEMA)]
Source = Literal["api", "shopify", "csv", "demo"]


def clean_tracking_number(value: str) -> str:
    """Uppercase without spaces and dashes; ValueError when it cannot be a tracking number."""
    cleaned = re.sub(r"[\s-]", "", value).upper()
    if not TRACKING_NUMBER.match(cleaned):
        raise ValueError("must be 6-40 letters and digits (spaces and dashes are ignored)")
    return cleaned


def check_carrier(value: str | None) -> str | None:
    if value is not None and value not in CARRIER_CODES:
        raise ValueError(f"unknown carrier; one of: {', '.join(CARRIER_CODES)}")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(Strict):
    name: str = Field(default="", max_length=200)
    email: EmailStr | None = None
    phone: str = Field(default="", max_length=20)
    locale: str = Field(default="", max_length=10, json_schema_extra={"pattern": LOCALE.pattern})
    timezone: str = Field(default="", max_length=64)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value and not LOCALE.match(value):
            raise ValueError("must look like 'fr' or 'fr-CA'")
        return value


class AddressIn(Strict):
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", pattern=r"^([A-Za-z]{2})?$", description="ISO 3166 alpha-2 code")


class ItemIn(Strict):
    title: str = Field(min_length=1, max_length=300, json_schema_extra=NOT_BLANK)
    sku: str = Field(default="", max_length=64)
    quantity: WholeInt = Field(default=1, ge=1, le=10_000)
    image_url: str = Field(default="", max_length=500, pattern=URL)
    product_url: str = Field(default="", max_length=500, pattern=URL)
    product_id: str = Field(default="", max_length=64, description="the shop's product id (catalogue external_id)")
    variant: str = Field(default="", max_length=100)


class ParcelItemIn(Strict):
    """An item of the order that this parcel carries, named by its SKU, else by the shop's product id (and variant
    when the order holds several of that product)."""

    sku: str = Field(default="", max_length=64)
    product_id: str = Field(default="", max_length=64)
    variant: str = Field(default="", max_length=100)
    quantity: WholeInt = Field(default=1, ge=1, le=10_000)

    @model_validator(mode="after")
    def _named(self) -> ParcelItemIn:
        if not self.sku and not self.product_id:
            raise ValueError("name the item by its sku or its product_id")
        return self


def amount_cents(value: int | str) -> int:
    return value if isinstance(value, int) else int(Decimal(value) * 100)


def as_utc(value: datetime) -> datetime:
    """Aware UTC (naive values are taken as UTC)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


class OrderFields(Strict):
    """An order's changeable fields; on update only the fields present are changed."""

    customer: CustomerIn = Field(default_factory=CustomerIn)
    address: AddressIn = Field(default_factory=AddressIn)
    placed_at: datetime | None = Field(default=None, description="without a timezone it is taken as UTC")
    promised_by: date | None = None
    currency: str = Field(default="", pattern=r"^([A-Za-z]{3})?$", description="ISO 4217 code")
    total: Amount | None = Field(default=None, description="cents (integer) or a decimal string")
    items: list[ItemIn] = Field(default_factory=list, max_length=200)
    external_id: str = Field(default="", max_length=64)
    source: Source = "api"

    @field_validator("placed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @property
    def total_cents(self) -> int | None:
        return None if self.total is None else amount_cents(self.total)


class OrderIn(OrderFields):
    """An order as a shop sends it, identified by its number."""

    number: str = Field(min_length=1, max_length=64, json_schema_extra=NOT_BLANK)


class ShipmentIn(Strict):
    """A shipment with the order it belongs to (the order is created when it does not exist yet)."""

    order_number: str = Field(min_length=1, max_length=64, json_schema_extra=NOT_BLANK)
    tracking_number: str = Field(
        min_length=6,
        max_length=40,
        json_schema_extra={"pattern": r"^[A-Za-z0-9 -]+$"},
        description="letters and digits; spaces and dashes are ignored",
    )
    carrier: str | None = Field(
        default=None, json_schema_extra={"enum": [*CARRIER_CODES, None]}, description="detected when omitted"
    )
    service: str = Field(default="", max_length=100)
    customer: CustomerIn = Field(default_factory=CustomerIn)
    address: AddressIn = Field(default_factory=AddressIn)
    items: list[ItemIn] = Field(default_factory=list, max_length=200)
    promised_by: date | None = None
    parcel_items: list[ParcelItemIn] | None = Field(
        default=None,
        max_length=200,
        description="the order's items this parcel carries (a split order); when given, they replace what was given "
        "before for this parcel",
    )

    @field_validator("tracking_number")
    @classmethod
    def _tracking_number(cls, value: str) -> str:
        return clean_tracking_number(value)

    @field_validator("carrier")
    @classmethod
    def _carrier(cls, value: str | None) -> str | None:
        return check_carrier(value)

    def order(self) -> OrderIn:
        """The order part, carrying only the fields this shipment was given."""
        fields = self.model_dump(include={"customer", "address", "items", "promised_by"} & self.model_fields_set)
        return OrderIn.model_validate({"number": self.order_number, **fields})
