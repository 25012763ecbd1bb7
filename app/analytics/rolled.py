"""Reading through the daily rollups: a filter's range split into closed days (rollups) and open days (raw rows)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.models import RollupState, ShipmentDayRollup
from app.models.analytics_rollup import ANY_CARRIER

STATE = RollupState.__table__
SHIPMENT_DAY = ShipmentDayRollup.__table__
Into = TypeVar("Into")
Adder = Callable[[AsyncConnection, Filters, Any], Awaitable[None]]


@dataclasses.dataclass(frozen=True, slots=True)
class Split:
    """The part of a filter's range read from the rollups (`closed`) and the part read raw (`open`)."""

    closed: Filters | None
    open: Filters | None


async def closed_before(conn: AsyncConnection, merchant_id: int) -> date | None:
    query = select(STATE.c.closed_before).where(STATE.c.merchant_id == merchant_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def split(conn: AsyncConnection, f: Filters) -> Split:
    boundary = await closed_before(conn, f.merchant_id)
    if boundary is None:
        return Split(None, f)
    last_closed = boundary - timedelta(days=1)
    closed = dataclasses.replace(f, end=min(f.end, last_closed)) if f.start <= last_closed else None
    opened = dataclasses.replace(f, start=max(f.start, boundary)) if f.end >= boundary else None
    return Split(closed, opened)


def month_after(month: date) -> date:
    """The first day of the month after the one starting on `month`."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def rolled_rows(table: Any, f: Filters) -> list[Any]:
    """Conditions selecting a rollup's rows for the filter: merchant, carrier key and days."""
    return [
        table.c.merchant_id == f.merchant_id,
        table.c.carrier == (f.carrier or ANY_CARRIER),
        table.c.day >= f.start,
        table.c.day <= f.end,
    ]


def shipment_rows(table: Any, f: Filters) -> list[Any]:
    """Conditions selecting a per-shipment-carrier rollup's rows for the filter: merchant, days and carrier."""
    where = [table.c.merchant_id == f.merchant_id, table.c.day >= f.start, table.c.day <= f.end]
    return [*where, table.c.carrier == f.carrier] if f.carrier else where


def add_counts(into: dict[Any, dict[str, int]], key: Any, values: dict[str, Any]) -> None:
    """Add each count of `values` to the entry `key` of `into`."""
    counts = into.setdefault(key, {})
    for name, value in values.items():
        counts[name] = counts.get(name, 0) + int(value or 0)


async def gather(
    conn: AsyncConnection, f: Filters, rolled: Adder, raw: Adder, into: Into, *, parts: Split | None = None
) -> Into:
    """Adds `f`'s closed days read by `rolled` (from the rollups) and its open days read by `raw` (from the raw
    rows) into `into`, and returns it. `parts` replaces the split when the caller has already chosen one."""
    parts = parts or await split(conn, f)
    if parts.closed:
        await rolled(conn, parts.closed, into)
    if parts.open:
        await raw(conn, parts.open, into)
    return into


async def add_shipment_day_sums(
    conn: AsyncConnection, f: Filters, measures: list[str], into: dict[Any, dict[str, int]]
) -> None:
    """Add the sums of `measures` over the shipment-day rollup's closed days of `f`, per carrier, to `into`."""
    query = (
        select(SHIPMENT_DAY.c.carrier, *(func.sum(SHIPMENT_DAY.c[k]).label(k) for k in measures))
        .where(*shipment_rows(SHIPMENT_DAY, f))
        .group_by(SHIPMENT_DAY.c.carrier)
    )
    for row in await conn.execute(query):
        add_counts(into, row.carrier, {k: getattr(row, k) for k in measures})
