"""Input shapes for creating shipments (API, CSV, demo): validated with precise field errors."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from carriers.registry import CARRIER_CODES

TRACKING_NUMBER = re.compile(r"^[A-Z0-9]{6,40}$")
LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(default="", max_length=200)
    email: EmailStr | None = None
    phone: str = Field(default="", max_length=20)
    locale: str = Field(default="", max_length=10)
    timezone: str = Field(default="", max_length=64)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value and not LOCALE.match(value):
            raise ValueError("must look like 'fr' or 'fr-CA'")
        return value


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=2)


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    sku: str = Field(default="", max_length=64)
    quantity: int = Field(default=1, ge=1, le=10_000)
    image_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")
    product_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    order_number: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=6, max_length=40)
    carrier: str | None = None
    customer: CustomerIn = Field(default_factory=CustomerIn)
    address: AddressIn = Field(default_factory=AddressIn)
    items: list[ItemIn] = Field(default_factory=list, max_length=200)
    promised_by: date | None = None

    @field_validator("tracking_number")
    @classmethod
    def _tracking_number(cls, value: str) -> str:
        cleaned = re.sub(r"[\s-]", "", value).upper()
        if not TRACKING_NUMBER.match(cleaned):
            raise ValueError("must be 6-40 letters and digits (spaces and dashes are ignored)")
        return cleaned

    @field_validator("carrier")
    @classmethod
    def _carrier(cls, value: str | None) -> str | None:
        if value is not None and value not in CARRIER_CODES:
            raise ValueError(f"unknown carrier; one of: {', '.join(CARRIER_CODES)}")
        return value
