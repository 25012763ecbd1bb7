"""Sign-in throttling: a delay that doubles with each failure after the third, capped, never a lockout.

Failures are counted per account (email) and per client address in `login_throttle`; a success clears the
account's count. A count left alone for RESET_AFTER starts again from zero.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.models import LoginThrottle

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 30
RESET_AFTER = timedelta(hours=1)

T = LoginThrottle.__table__.c


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:250]


def address_key(address: str) -> str:
    return "address:" + address[:250]


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failures: 0, 0, 1, 2, 4, 8, 16, 30, 30, …"""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


async def wait_seconds(conn: AsyncConnection, keys: list[str], *, now: datetime) -> int:
    """How long the caller must still wait before another attempt (0 = may try now)."""
    rows = (await conn.execute(select(T.failures, T.last_failure_at).where(T.key.in_(keys)))).all()
    wait = 0.0
    for row in rows:
        last = row.last_failure_at if row.last_failure_at.tzinfo else row.last_failure_at.replace(tzinfo=UTC)
        if now - last >= RESET_AFTER:
            continue
        remaining = delay_after(row.failures) - (now - last).total_seconds()
        wait = max(wait, remaining)
    return math.ceil(wait) if wait > 0 else 0


async def record_failure(conn: AsyncConnection, keys: list[str], *, now: datetime) -> None:
    table = LoginThrottle.__table__
    stale = now - RESET_AFTER
    for key in keys:
        insert = insert_for(conn, table).values(key=key, failures=1, last_failure_at=now)
        failures = table.c.failures + 1

        await conn.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"failures": case((table.c.last_failure_at < stale, 1), else_=failures), "last_failure_at": now},
            )
        )


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(LoginThrottle.__table__).where(T.key == key))
