"""When to poll a shipment next: adaptive by status and age, backed off on errors, spread with jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from carriers.status import Status

# Base interval per status (carrier-time): minutes when something happens today, hours when quiet.
INTERVALS: dict[Status, timedelta] = {
    Status.PENDING: timedelta(minutes=30),
    Status.INFO_RECEIVED: timedelta(hours=2),
    Status.IN_TRANSIT: timedelta(hours=3),
    Status.OUT_FOR_DELIVERY: timedelta(minutes=15),
    Status.AVAILABLE_FOR_PICKUP: timedelta(hours=2),
    Status.FAILED_ATTEMPT: timedelta(hours=1),
    Status.EXCEPTION: timedelta(hours=1),
}
FRESH_SHIPMENT = timedelta(hours=6)
FRESH_INTERVAL = timedelta(minutes=10)
QUIET_AFTER = timedelta(days=3)
QUIET_INTERVAL = timedelta(hours=8)
MAX_BACKOFF = timedelta(hours=6)
JITTER = 0.1


def next_poll(
    status: Status,
    *,
    now: datetime,
    created_at: datetime,
    last_event_at: datetime | None,
    speed: float = 1.0,
    rng: random.Random | None = None,
) -> datetime | None:
    """None when terminal (never poll again). `speed` compresses time for the sandbox carrier's demo clock."""
    if status.terminal:
        return None
    interval = INTERVALS.get(status, timedelta(hours=3))
    if status is Status.PENDING and now - created_at < FRESH_SHIPMENT * (1 / speed):
        interval = FRESH_INTERVAL
    if last_event_at is not None and now - last_event_at > QUIET_AFTER * (1 / speed):
        interval = max(interval, QUIET_INTERVAL)
    return now + _jittered(interval / speed, rng)


def backoff(
    failures: int, *, now: datetime, retry_after: float | None = None, rng: random.Random | None = None
) -> datetime:
    """Exponential backoff with full jitter after `failures` consecutive carrier errors, honouring Retry-After."""
    ceiling = min(timedelta(minutes=2) * (2 ** max(failures - 1, 0)), MAX_BACKOFF)
    wait = ceiling * (rng or random).uniform(0.5, 1.0)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return now + wait


def _jittered(interval: timedelta, rng: random.Random | None) -> timedelta:
    return interval * (1 + (rng or random).uniform(-JITTER, JITTER))
