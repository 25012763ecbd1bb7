"""Order-level triggers, written in the transaction that creates or cancels the order: order confirmed, and the
cancellation-save message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import Order
from app.notify.enqueue import Candidate, queue


async def _candidate(conn: AsyncConnection, order_id: int, trigger: str) -> Candidate | None:
    table = Order.__table__
    row = (await conn.execute(select(table.c.merchant_id).where(table.c.id == order_id))).first()
    if row is None:
        return None
    return Candidate(merchant_id=row.merchant_id, order_id=order_id, trigger=trigger, key=f"o{order_id}")


async def on_order_created(conn: AsyncConnection, *, order_id: int, now: datetime) -> int:
    """Queue the 'order confirmed' message(s) for a new order; returns how many outbox rows were written."""
    candidate = await _candidate(conn, order_id, "order_confirmed")
    return await queue(conn, [candidate], now) if candidate else 0


async def on_order_cancelled(conn: AsyncConnection, *, order_id: int, now: datetime) -> int:
    """Queue the cancellation-save message for a cancelled order; returns how many outbox rows were written."""
    candidate = await _candidate(conn, order_id, "order_cancelled")
    return await queue(conn, [candidate], now) if candidate else 0
