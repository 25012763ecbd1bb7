"""Shopify: turning stored webhook deliveries (orders, fulfillments) into orders and shipments.

Each inbox row is applied in one write transaction (order upsert, cancellation, shipments); a row that fails is
left to its lease and retried, and after MAX_ATTEMPTS it is closed with the error, visible in the console.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import writing
from app.ingest.orders import add_shipment, cancel_order, find_order_id, upsert_order
from app.ingest.parcel_items import set_parcel_items
from app.integrations.shopify_inbox import IN, claim
from app.integrations.shopify_mapping import MappedOrder, PayloadError, ShipmentRef, map_order, shipments_of
from app.models import ShopifyInbox

if TYPE_CHECKING:
    from app.runtime import Runtime

log = logging.getLogger("ordertrail.shopify")

MAX_ATTEMPTS = 8
BATCH = 100


class OrderNotYetKnown(Exception):
    """A fulfillment arrived before its order: retried, since Shopify does not promise delivery order."""


async def _shipments(
    conn: AsyncConnection, rt: Runtime, merchant_id: int, order_id: int, refs: list[ShipmentRef], now: datetime
) -> list[str]:
    notes = []
    for ref in refs:
        try:
            shipment = await add_shipment(
                conn,
                merchant_id=merchant_id,
                order_id=order_id,
                tracking_number=ref.tracking_number,
                carrier=ref.carrier,
                service=ref.service,
                now=now,
                secret_key=rt.settings.secret_key,
            )
        except ValueError as exc:
            notes.append(f"tracking number {ref.tracking_number!r} skipped: {exc}")
            continue
        if ref.items:
            stored = await set_parcel_items(
                conn,
                order_id=shipment.order_id,
                shipment_id=shipment.shipment_id,
                wanted=ref.items,
                now=now,
                field="line_items",
                strict=False,
            )
            notes += [
                f"tracking number {ref.tracking_number!r}: {place} left out: {why}"
                for place, why in stored.left_out.items()
            ]
    return notes


async def _apply_order(
    conn: AsyncConnection, rt: Runtime, merchant_id: int, mapped: MappedOrder, now: datetime, *, cancel: bool
) -> list[str]:
    secret_key = rt.settings.secret_key
    result = await upsert_order(conn, merchant_id=merchant_id, data=mapped.order, now=now, secret_key=secret_key)
    notes = [f"dropped {d}" for d in mapped.dropped]
    notes += await _shipments(conn, rt, merchant_id, result.order_id, mapped.shipments, now)
    if cancel or mapped.cancelled:
        reason = mapped.cancel_reason or "other"
        await cancel_order(conn, merchant_id=merchant_id, order_id=result.order_id, reason=reason, now=now)
    return notes


async def _apply_fulfillment(
    conn: AsyncConnection, rt: Runtime, merchant_id: int, body: Any, now: datetime
) -> list[str]:
    if not isinstance(body, dict) or not body.get("order_id"):
        raise PayloadError("the fulfillment has no order_id")
    order_id = await find_order_id(conn, merchant_id=merchant_id, external_id=str(body["order_id"]))
    if order_id is None:
        raise OrderNotYetKnown(f"order {body['order_id']} has not been received yet")
    return await _shipments(conn, rt, merchant_id, order_id, shipments_of(body), now)


async def apply_delivery(rt: Runtime, row: Any, now: datetime) -> list[str]:
    """Apply one inbox row in one transaction; returns notes (dropped fields, skipped numbers)."""
    try:
        body = json.loads(row.body)
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON ({exc})") from exc
    async with writing(rt.engine) as conn:
        if row.topic.startswith("orders/"):
            mapped = map_order(body)
            return await _apply_order(conn, rt, row.merchant_id, mapped, now, cancel=row.topic == "orders/cancelled")
        if row.topic.startswith("fulfillments/"):
            return await _apply_fulfillment(conn, rt, row.merchant_id, body, now)
    raise PayloadError(f"topic {row.topic!r} is not handled")


async def _close(engine: AsyncEngine, row_id: int, now: datetime, error: str) -> None:
    values = {"processed_at": now, "lease_until": None, "error": error[:500]}
    stmt = update(ShopifyInbox.__table__).where(IN.id == row_id).values(values)
    async with writing(engine) as conn:
        await conn.execute(stmt)


async def _note_failure(engine: AsyncEngine, row_id: int, error: str) -> None:
    """Keep the error visible while the row waits for its lease to run out and be retried."""
    async with writing(engine) as conn:
        await conn.execute(update(ShopifyInbox.__table__).where(IN.id == row_id).values(error=error[:500]))


async def process_inbox_once(rt: Runtime, *, now: datetime | None = None, limit: int = BATCH) -> int:
    """Process due inbox rows; returns how many were processed."""
    now = now or datetime.now(UTC)
    rows = await claim(rt.engine, now=now, limit=limit)
    for row in rows:
        try:
            notes = await apply_delivery(rt, row, now)
            await _close(rt.engine, row.id, now, "; ".join(notes))
        except PayloadError as exc:
            await _close(rt.engine, row.id, now, f"not applied: {exc}")
        except Exception as exc:
            message = f"attempt {row.attempts} failed: {exc}" if isinstance(exc, OrderNotYetKnown) else None
            if message is None:
                log.exception("Shopify delivery %d could not be applied; it will be retried", row.id)
                message = f"attempt {row.attempts} failed: {type(exc).__name__}"
            if row.attempts >= MAX_ATTEMPTS:
                await _close(rt.engine, row.id, now, f"gave up after {row.attempts} attempts: {message}")
            else:
                await _note_failure(rt.engine, row.id, message)
    return len(rows)
