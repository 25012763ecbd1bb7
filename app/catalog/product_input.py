"""One product as typed in the console or read from a CSV row, validated with the field and the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies

FIELDS = ("external_id", "sku", "title", "url", "image_url", "price", "currency", "collections")
URL = re.compile(r"^https?://\S+$")
HANDLE = re.compile(r"^[\w-]{1,64}$")
CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True, slots=True)
class ProductValues:
    """Clean values ready for the `product` table."""

    external_id: str
    sku: str
    title: str
    url: str
    image_url: str
    price_cents: int
    currency: str
    collections: str

    def as_row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


class ProductInvalid(ValueError):
    """`errors` maps each bad field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))
        self.errors = errors


def _length(errors: dict[str, str], field: str, value: str, limit: int, *, required: bool = False) -> None:
    if required and not value:
        errors[field] = "is required"
    elif len(value) > limit:
        errors[field] = f"is longer than {limit} characters"


def _url(errors: dict[str, str], field: str, value: str, *, required: bool) -> None:
    _length(errors, field, value, 500, required=required)
    if field not in errors and value and not URL.match(value):
        errors[field] = "must be an http:// or https:// address"


def parse_price(text: str) -> int:
    """'12.50' → 1250; empty → 0. Raises ValueError with the reason."""
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a number like 12.50") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("must be zero or more")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("has more than two decimals")
    if amount >= 10_000_000:
        raise ValueError("is too large")
    return int(amount * 100)


def collection_handles(text: str) -> list[str]:
    """'Summer, vases ,,' → ['summer', 'vases'] (handles are lower-case words with dashes)."""
    return [part.strip().lower() for part in text.split(",") if part.strip()]


def validate_product(raw: dict[str, str]) -> ProductValues:
    """Check every field; raise ProductInvalid naming each bad one."""
    value = {name: (raw.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    _length(errors, "external_id", value["external_id"], 64, required=True)
    _length(errors, "sku", value["sku"], 64)
    _length(errors, "title", value["title"], 300, required=True)
    _url(errors, "url", value["url"], required=True)
    _url(errors, "image_url", value["image_url"], required=False)
    price_cents = 0
    try:
        price_cents = parse_price(value["price"])
    except ValueError as exc:
        errors["price"] = str(exc)
    currency = value["currency"].upper()
    if currency and currency not in CURRENCIES:
        errors["currency"] = "is not an ISO 4217 currency code (like EUR or USD)"
    elif price_cents and not currency:
        errors["currency"] = "is required when a price is given"
    handles = collection_handles(value["collections"])
    if bad := [handle for handle in handles if not HANDLE.match(handle)]:
        errors["collections"] = f"'{bad[0]}' is not a handle (letters, digits, - and _)"
    elif len(",".join(handles)) > 500:
        errors["collections"] = "is longer than 500 characters"
    if errors:
        raise ProductInvalid(errors)
    return ProductValues(
        external_id=value["external_id"],
        sku=value["sku"],
        title=value["title"],
        url=value["url"],
        image_url=value["image_url"],
        price_cents=price_cents,
        currency=currency,
        collections=",".join(handles),
    )


def price_text(cents: int) -> str:
    """1250 → '12.50' (the form's own notation, not a localised display)."""
    return f"{cents // 100}.{cents % 100:02d}"
