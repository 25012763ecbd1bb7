"""Shopify: turning stored webhook deliveries (orders, fulfillments) into orders and shipments."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.runtime import Runtime


async def process_inbox_once(rt: Runtime) -> int:
    """Process due inbox rows; returns how many were processed."""
    return 0
