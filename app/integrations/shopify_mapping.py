"""Shopify payloads (REST Admin webhook shapes) to our order and shipment inputs; pure, no database.

Only the city, postal code and country of the shipping address are kept, never the street or the name on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.ingest.schemas import LOCALE, OrderIn, ParcelItemIn

TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "fulfillments/create", "fulfillments/update")

# Shopify's `tracking_company` names (as shown in the admin) to our carrier codes; others are detected by number.
CARRIER_NAMES = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl",
    "dhl express": "dhl",
    "dhl ecommerce": "dhl",
    "dhl parcel": "dhl",
    "la poste": "laposte",
    "colissimo": "laposte",
    "chronopost": "laposte",
    "canada post": "canadapost",
    "australia post": "auspost",
    "royal mail": "royalmail",
}
# Fields that may be dropped (with a note) when invalid, rather than losing the whole order.
OPTIONAL_TOP_LEVEL = {"placed_at", "currency", "total", "promised_by"}


@dataclass(frozen=True)
class ShipmentRef:
    tracking_number: str
    carrier: str | None
    service: str = ""
    items: list[ParcelItemIn] = field(default_factory=list)  # what the fulfillment's parcel carries


@dataclass
class MappedOrder:
    order: OrderIn
    shipments: list[ShipmentRef] = field(default_factory=list)
    cancelled: bool = False
    cancel_reason: str = ""
    dropped: list[str] = field(default_factory=list)  # "customer.email: value is not a valid email address", …


class PayloadError(ValueError):
    """The payload cannot become an order (no number, not an object); kept on the inbox row."""


def carrier_code(company: str | None) -> str | None:
    name = " ".join((company or "").lower().split())
    return CARRIER_NAMES.get(name)


def locale_of(value: Any) -> str:
    """Shopify's customer_locale ("fr", "en-CA", "pt-BR", "es-419", "zh-Hant-TW") in our form, or ""."""
    if not isinstance(value, str) or not value:
        return ""
    parts = value.replace("_", "-").split("-")
    language = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    candidate = f"{language}-{region}" if region else language
    return candidate if LOCALE.match(candidate) else (language if LOCALE.match(language) else "")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def order_number(order: dict[str, Any]) -> str:
    """The number the shopper sees: the order `name` without its leading '#', else `order_number`."""
    name = _text(order.get("name")).lstrip("#").strip()
    return name or str(order.get("order_number") or "").strip()


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    shipping = order.get("shipping_address") if isinstance(order.get("shipping_address"), dict) else {}
    name = " ".join(p for p in (_text(customer.get("first_name")), _text(customer.get("last_name"))) if p)
    name = name or " ".join(p for p in (_text(shipping.get("first_name")), _text(shipping.get("last_name"))) if p)
    email = _text(order.get("email")) or _text(order.get("contact_email")) or _text(customer.get("email"))
    phone = _text(order.get("phone")) or _text(customer.get("phone")) or _text(shipping.get("phone"))
    out: dict[str, Any] = {"name": name, "phone": re.sub(r"[^\d+]", "", phone)}
    if email:
        out["email"] = email
    if locale := locale_of(order.get("customer_locale")):
        out["locale"] = locale
    return out


def _address(order: dict[str, Any]) -> dict[str, Any]:
    shipping = order.get("shipping_address") if isinstance(order.get("shipping_address"), dict) else {}
    return {
        "city": _text(shipping.get("city")),
        "postal_code": _text(shipping.get("zip")),
        "country": _text(shipping.get("country_code")),
    }


def _items(lines: Any) -> list[dict[str, Any]]:
    items = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict):
            continue
        item = {
            "title": _text(line.get("title")) or _text(line.get("name")),
            "sku": _text(line.get("sku")),
            "quantity": line.get("quantity") or 1,
            "product_id": str(line.get("product_id") or ""),
            "variant": _text(line.get("variant_title")),
        }
        items.append(item)
    return items[:200]


def shipments_of(fulfillment: dict[str, Any]) -> list[ShipmentRef]:
    """Tracking numbers of one fulfillment (cancelled or failed ones carry none that matter)."""
    if fulfillment.get("status") in ("cancelled", "error", "failure"):
        return []
    numbers = fulfillment.get("tracking_numbers")
    if not isinstance(numbers, list) or not numbers:
        numbers = [fulfillment.get("tracking_number")]
    carrier = carrier_code(fulfillment.get("tracking_company"))
    service = _text(fulfillment.get("service"))
    items = parcel_items_of(fulfillment.get("line_items"))
    seen: list[ShipmentRef] = []
    for number in numbers:
        if isinstance(number, str) and number.strip() and all(s.tracking_number != number.strip() for s in seen):
            seen.append(ShipmentRef(number.strip(), carrier, "" if service in ("manual", "") else service, items))
    return seen


def parcel_items_of(lines: Any) -> list[ParcelItemIn]:
    """A fulfillment's line items as what its parcel carries (lines naming neither a SKU nor a product are left out,
    as are lines that do not validate)."""
    items = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict):
            continue
        try:
            items.append(
                ParcelItemIn(
                    sku=_text(line.get("sku")),
                    product_id=str(line.get("product_id") or ""),
                    variant=_text(line.get("variant_title")),
                    quantity=line.get("quantity") or 1,
                )
            )
        except ValidationError:
            continue
    return items[:200]


def map_order(order: Any) -> MappedOrder:
    """An orders/* payload as our order, its shipments and whether it is cancelled. Raises PayloadError."""
    if not isinstance(order, dict):
        raise PayloadError("the payload is not a JSON object")
    number = order_number(order)
    if not number:
        raise PayloadError("the order has neither 'name' nor 'order_number'")
    body: dict[str, Any] = {
        "number": number[:64],
        "customer": _customer(order),
        "address": _address(order),
        "items": _items(order.get("line_items")),
        "external_id": str(order.get("id") or "")[:64],
        "source": "shopify",
    }
    if order.get("created_at"):
        body["placed_at"] = order["created_at"]
    if order.get("currency"):
        body["currency"] = order["currency"]
    if order.get("total_price") not in (None, ""):
        body["total"] = str(order["total_price"])
    validated, dropped = validate_leniently(body)
    fulfillments = order.get("fulfillments") if isinstance(order.get("fulfillments"), list) else []
    shipments = [ref for f in fulfillments if isinstance(f, dict) for ref in shipments_of(f)]
    cancelled = bool(order.get("cancelled_at"))
    reason = _text(order.get("cancel_reason")) if cancelled else ""
    return MappedOrder(validated, shipments, cancelled, reason, dropped)


def validate_leniently(body: dict[str, Any]) -> tuple[OrderIn, list[str]]:
    """OrderIn from `body`, dropping optional fields that fail (each noted) instead of refusing the order."""
    dropped: list[str] = []
    for _ in range(20):
        try:
            return OrderIn.model_validate(body), dropped
        except ValidationError as exc:
            errors = exc.errors()
            dropped += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors]
            for loc in (e["loc"] for e in errors if e["loc"][:1] != ("items",)):
                _drop(body, loc)
            # From the end, so removing one item does not shift the index of another.
            for index in sorted({_index(e["loc"]) for e in errors if e["loc"][:1] == ("items",)}, reverse=True):
                _drop(body, ("items", index))
    raise PayloadError("; ".join(dropped[-3:]))


def _index(loc: tuple[Any, ...]) -> int:
    return loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1


def _drop(body: dict[str, Any], loc: tuple[Any, ...]) -> None:
    head = loc[0] if loc else None
    if head in ("customer", "address") and len(loc) > 1 and isinstance(body.get(head), dict):
        body[head].pop(loc[1], None)
    elif head == "items" and _index(loc) >= 0:
        if _index(loc) < len(body["items"]):
            del body["items"][_index(loc)]
    elif head in OPTIONAL_TOP_LEVEL:
        body.pop(head, None)
    else:
        raise PayloadError(f"{'.'.join(map(str, loc))}: cannot be dropped")


ORDER_KEEP = [
    "id",
    "name",
    "order_number",
    "email",
    "contact_email",
    "phone",
    "customer_locale",
    "created_at",
    "updated_at",
    "cancelled_at",
    "cancel_reason",
    "currency",
    "total_price",
]
CUSTOMER_KEEP = ("first_name", "last_name", "email", "phone")
SHIPPING_KEEP = ("first_name", "last_name", "phone", "city", "zip", "country_code")
LINE_KEEP = ("title", "name", "sku", "quantity", "product_id", "variant_title")
FULFILLMENT_KEEP = [
    "id",
    "order_id",
    "status",
    "tracking_numbers",
    "tracking_number",
    "tracking_company",
    "service",
    "created_at",
    "updated_at",
]


def _pick(value: Any, keys: tuple[str, ...] | list[str]) -> Any:
    return {k: value[k] for k in keys if k in value} if isinstance(value, dict) else None


def minimize(topic: str, payload: Any) -> Any:
    """Only the fields the mapping reads: streets, billing addresses, notes and browser details are never stored."""
    if not isinstance(payload, dict):
        return payload
    if topic.startswith("fulfillments/"):
        return _fulfillment(payload)
    kept = _pick(payload, ORDER_KEEP)
    if "customer" in payload:
        kept["customer"] = _pick(payload["customer"], CUSTOMER_KEEP)
    if "shipping_address" in payload:
        kept["shipping_address"] = _pick(payload["shipping_address"], SHIPPING_KEEP)
    if isinstance(payload.get("line_items"), list):
        kept["line_items"] = [_pick(line, LINE_KEEP) for line in payload["line_items"]]
    if isinstance(payload.get("fulfillments"), list):
        kept["fulfillments"] = [_fulfillment(f) for f in payload["fulfillments"]]
    return kept


def _fulfillment(fulfillment: Any) -> Any:
    kept = _pick(fulfillment, FULFILLMENT_KEEP)
    if kept is not None and isinstance(fulfillment.get("line_items"), list):
        kept["line_items"] = [_pick(line, LINE_KEEP) for line in fulfillment["line_items"]]
    return kept
