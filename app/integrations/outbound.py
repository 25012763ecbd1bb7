"""Outbound webhooks: events queued with the change that caused them, signed and delivered with retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection

from app.tracking.changes import StatusChange

if TYPE_CHECKING:
    from app.runtime import Runtime


async def on_status_changes(conn: AsyncConnection, changes: list[StatusChange]) -> int:
    """Queue a `shipment.status_changed` delivery per subscribed endpoint, in the poll's transaction."""
    return 0


async def deliver_once(rt: Runtime) -> int:
    """Claim due deliveries, post them, record the attempts; returns how many were attempted."""
    return 0
