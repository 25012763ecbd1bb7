"""Orders in: create or update an order, cancel it, attach a shipment — inside the caller's write transaction.

Every function takes an open write connection, so the API, the Shopify inbox and the CSV import can compose them
in their own transactions. New orders get `first_order` and `holdout`, and fire the order-created hook.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.ingest.schemas import ItemIn, OrderFields, OrderIn, check_carrier, clean_tracking_number
from app.integrations.outbound import queue_event
from app.models import LineItem, Merchant, Order, Shipment
from app.notify.orders import on_order_cancelled, on_order_created
from app.security.tokens import derive_token, new_ref, token_hash
from app.web.page_changes import lapse_stored_pages
from carriers.detect import detect

ORD, ITEM, SH, MER = Order.__table__, LineItem.__table__, Shipment.__table__, Merchant.__table__
ITEM_FIELDS = tuple(ItemIn.model_fields)


class CarrierUnknown(ValueError):
    """No carrier was given and none could be recognised from the tracking number."""


@dataclass(frozen=True)
class OrderResult:
    order_id: int
    created: bool
    changed: bool


@dataclass(frozen=True)
class CreatedShipment:
    shipment_id: int
    order_id: int
    token: str
    created: bool
    carrier: str


def order_values(data: OrderFields, *, only_set: bool) -> dict[str, Any]:
    """Column values for `data`; with `only_set`, only those of the fields the sender actually gave."""
    given = data.model_fields_set if only_set else set(OrderFields.model_fields)
    customer_given = data.customer.model_fields_set if only_set else set(type(data.customer).model_fields)
    address_given = data.address.model_fields_set if only_set else set(type(data.address).model_fields)
    values: dict[str, Any] = {}
    if "customer" in given:
        customer = {
            "customer_name": ("name", data.customer.name),
            "customer_email": ("email", str(data.customer.email or "").lower()),
            "customer_phone": ("phone", data.customer.phone),
            "locale": ("locale", data.customer.locale),
            "timezone": ("timezone", data.customer.timezone),
        }
        values.update({column: value for column, (field, value) in customer.items() if field in customer_given})
    if "address" in given:
        address = {"city": data.address.city, "postal_code": data.address.postal_code}
        address["country"] = data.address.country.upper()
        values.update({column: value for column, value in address.items() if column in address_given})
    simple = {
        "placed_at": data.placed_at,
        "promised_by": data.promised_by,
        "currency": data.currency.upper(),
        "total_cents": data.total_cents,
        "external_id": data.external_id,
        "source": data.source,
    }
    field_of = {"total_cents": "total"}
    for column, value in simple.items():
        if field_of.get(column, column) in given and (value is not None or column == "promised_by"):
            values[column] = value
    return values


def holdout_for(secret_key: str, merchant_id: int, number: str, percent: int) -> bool:
    """Deterministic control-group draw: the same order always lands in the same group."""
    if percent <= 0:
        return False
    digest = hmac.new(secret_key.encode(), f"holdout:{merchant_id}:{number}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


async def upsert_order(
    conn: AsyncConnection, *, merchant_id: int, data: OrderIn, now: datetime, secret_key: str
) -> OrderResult:
    """Create the order with this number, or change the fields `data` carries on the existing one."""
    existing = (
        await conn.execute(select(ORD).where(ORD.c.merchant_id == merchant_id, ORD.c.number == data.number))
    ).first()
    if existing is None:
        order_id = await _insert_order(conn, merchant_id, data, now, secret_key)
        if order_id is not None:
            return OrderResult(order_id, True, True)
        existing = (
            await conn.execute(select(ORD).where(ORD.c.merchant_id == merchant_id, ORD.c.number == data.number))
        ).one()
    changed = await update_order(conn, merchant_id=merchant_id, order_id=existing.id, data=data, now=now, row=existing)
    return OrderResult(int(existing.id), False, changed)


async def update_order(
    conn: AsyncConnection, *, merchant_id: int, order_id: int, data: OrderFields, now: datetime, row: Any = None
) -> bool:
    """Apply the fields `data` carries (never the number); True when anything changed."""
    if row is None:
        row = (await conn.execute(select(ORD).where(ORD.c.id == order_id, ORD.c.merchant_id == merchant_id))).one()
    values = {k: v for k, v in order_values(data, only_set=True).items() if getattr(row, k) != v}
    items_changed = "items" in data.model_fields_set and await _replace_items(conn, order_id, data.items)
    if not values and not items_changed:
        return False
    await conn.execute(
        update(ORD).where(ORD.c.id == order_id, ORD.c.merchant_id == merchant_id).values(**values, updated_at=now)
    )
    await lapse_stored_pages(conn, merchant_id=merchant_id, order_id=order_id, now=now)
    return True


async def _insert_order(
    conn: AsyncConnection, merchant_id: int, data: OrderIn, now: datetime, secret_key: str
) -> int | None:
    percent = (await conn.execute(select(MER.c.holdout_percent).where(MER.c.id == merchant_id))).scalar_one()
    values = order_values(data, only_set=False)
    values.setdefault("placed_at", now)
    values.setdefault("total_cents", 0)
    values.update(
        merchant_id=merchant_id,
        number=data.number,
        first_order=await _is_first_order(conn, merchant_id, values["customer_email"], values["placed_at"]),
        holdout=holdout_for(secret_key, merchant_id, data.number, percent),
        created_at=now,
        updated_at=now,
    )
    statement = insert_for(conn, ORD).values(values).on_conflict_do_nothing(index_elements=["merchant_id", "number"])
    inserted = (await conn.execute(statement.returning(ORD.c.id))).scalar()
    if inserted is None:
        return None
    if data.items:
        await conn.execute(ITEM.insert(), [{"order_id": inserted, **item.model_dump()} for item in data.items])
    await on_order_created(conn, order_id=int(inserted), now=now)
    return int(inserted)


async def _is_first_order(conn: AsyncConnection, merchant_id: int, email: str, placed_at: datetime) -> bool:
    if not email:
        return True
    earlier = await conn.execute(
        select(func.count())
        .select_from(ORD)
        .where(ORD.c.merchant_id == merchant_id, ORD.c.customer_email == email, ORD.c.placed_at < placed_at)
    )
    return earlier.scalar_one() == 0


async def _replace_items(conn: AsyncConnection, order_id: int, items: list[ItemIn]) -> bool:
    stored = await conn.execute(
        select(*(ITEM.c[name] for name in ITEM_FIELDS)).where(ITEM.c.order_id == order_id).order_by(ITEM.c.id)
    )
    if [tuple(row) for row in stored] == [tuple(item.model_dump().values()) for item in items]:
        return False
    await conn.execute(ITEM.delete().where(ITEM.c.order_id == order_id))
    if items:
        await conn.execute(ITEM.insert(), [{"order_id": order_id, **item.model_dump()} for item in items])
    return True


async def cancel_order(conn: AsyncConnection, *, merchant_id: int, order_id: int, reason: str, now: datetime) -> bool:
    """Mark the order cancelled, fire the cancellation hook and queue `order.cancelled` for the shop's webhooks.

    False when it was already cancelled (or is not the shop's)."""
    result = await conn.execute(
        update(ORD)
        .where(ORD.c.id == order_id, ORD.c.merchant_id == merchant_id, ORD.c.cancelled_at.is_(None))
        .values(cancelled_at=now, cancel_reason=reason[:40], updated_at=now)
    )
    if result.rowcount != 1:
        return False
    await lapse_stored_pages(conn, merchant_id=merchant_id, order_id=order_id, now=now)
    await on_order_cancelled(conn, order_id=order_id, now=now)
    number = (await conn.execute(select(ORD.c.number).where(ORD.c.id == order_id))).scalar_one()
    payload = {"order_id": order_id, "order_number": number, "reason": reason[:40], "cancelled_at": now.isoformat()}
    await queue_event(
        conn,
        merchant_id=merchant_id,
        event_type="order.cancelled",
        payload=payload,
        now=now,
        event_id=f"order.cancelled:{order_id}",
    )
    return True


def detect_carrier(tracking_number: str) -> str:
    found = detect(tracking_number)
    return found[0] if found else ""


async def add_shipment(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    order_id: int,
    tracking_number: str,
    carrier: str | None,
    service: str = "",
    now: datetime,
    secret_key: str,
) -> CreatedShipment:
    """The order's shipment for this number, created unless the shop already has it on the same carrier.

    Raises ValueError (CarrierUnknown when no carrier is given and the number does not reveal one).
    """
    number = clean_tracking_number(tracking_number)
    carrier = check_carrier(carrier) or detect_carrier(number)
    if not carrier:
        raise CarrierUnknown("carrier could not be recognised from the tracking number; give 'carrier'")
    ref = new_ref()
    values = _new_shipment(merchant_id, order_id, carrier, number, service, ref, secret_key, now)
    statement = insert_for(conn, SH).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=["merchant_id", "carrier", "tracking_number"])
    inserted = (await conn.execute(statement.returning(SH.c.id))).scalar()
    if inserted is not None:
        await lapse_stored_pages(conn, merchant_id=merchant_id, order_id=order_id, now=now)  # its siblings' pages
        return CreatedShipment(int(inserted), order_id, derive_token(secret_key, ref, 0), True, carrier)
    row = (
        await conn.execute(
            select(SH.c.id, SH.c.order_id, SH.c.ref, SH.c.token_version).where(
                and_(SH.c.merchant_id == merchant_id, SH.c.carrier == carrier, SH.c.tracking_number == number)
            )
        )
    ).one()
    token = derive_token(secret_key, row.ref, row.token_version)
    return CreatedShipment(int(row.id), int(row.order_id), token, False, carrier)


def _new_shipment(
    merchant_id: int, order_id: int, carrier: str, number: str, service: str, ref: str, secret_key: str, now: datetime
) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "order_id": order_id,
        "carrier": carrier,
        "tracking_number": number,
        "ref": ref,
        "token_version": 0,
        "token_hash": token_hash(derive_token(secret_key, ref, 0)),
        "status": "pending",
        "substatus": "",
        "action_required": False,
        "status_changed_at": now,
        "service": service[:100],
        "signed_by": "",
        "next_poll_at": now,
        "poll_failures": 0,
        "last_error": "",
        "created_at": now,
        "updated_at": now,
    }


async def find_order_id(
    conn: AsyncConnection, *, merchant_id: int, number: str = "", external_id: str = ""
) -> int | None:
    """The shop's order with this number (or, failing that, this external id)."""
    clauses = []
    if number:
        clauses.append(ORD.c.number == number)
    if external_id:
        clauses.append(ORD.c.external_id == external_id)
    if not clauses:
        return None
    rows = await conn.execute(
        select(ORD.c.id, ORD.c.number).where(ORD.c.merchant_id == merchant_id, or_(*clauses)).order_by(ORD.c.id)
    )
    found = {row.number: int(row.id) for row in rows}
    return found.get(number) or next(iter(found.values()), None)
