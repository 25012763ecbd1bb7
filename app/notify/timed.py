"""Time-based triggers the carrier never reports: not shipped after N days, delayed, feedback after delivery."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.runtime import Runtime


async def run_timed_triggers(rt: Runtime, now: datetime | None = None) -> int:
    """Write the outbox rows that are due by time; returns how many."""
    return 0
