"""Order-level triggers, written in the transaction that creates or cancels the order: order confirmed, and the
cancellation-save message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection


async def on_order_created(conn: AsyncConnection, *, order_id: int, now: datetime) -> int:
    """Queue the 'order confirmed' message(s) for a new order; returns how many outbox rows were written."""
    return 0


async def on_order_cancelled(conn: AsyncConnection, *, order_id: int, now: datetime) -> int:
    """Queue the cancellation-save message for a cancelled order; returns how many outbox rows were written."""
    return 0
