"""Keeps the dashboard's daily rollups current: which days to recount, the periodic refresh and the full backfill.

Days before today (UTC) are closed and read from the rollups; today is always read from the raw rows. A refresh
recounts, per merchant, the last REFRESH_DAYS closed days and every day whose orders saw something recorded since
the previous refresh (less LOOKBACK): an order created or updated, a page view or recommendation event, a
notification, a message event, a feedback answer given or changed, a shipment created or updated (polling updates
it when the carrier reports something new). It also recounts the attribution rollup (alone) of the days whose
recommendation clicks an order of the same customer, created or updated since then, may follow. Anything that
changes a closed day without such a trace within LOOKBACK (a notification whose state changes more than a day after
it was created, a row written with a back-dated time) reaches the rollups with `ordertrail analytics-backfill`. A
merchant with no rollups yet is backfilled by the first refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.analytics.rollup_fill import (
    ATTRIBUTION_DAY,
    MESSAGE,
    NOTE,
    RECOMMENDATION_KINDS,
    RESPONSE,
    ROLLUPS,
    VIEW,
    DayRun,
    fill_days,
    fill_months,
    link_visitors,
)
from app.analytics.sql import MESSAGE_EVENT_KINDS, ORDER, SHIPMENT, is_postgres, prepare, utc_day, within_days_after
from app.db import insert_for, writing
from app.models import Merchant, RollupState
from app.models.analytics_rollup import MAX_ATTRIBUTION_DAYS

STATE = RollupState.__table__
MERCHANT = Merchant.__table__
REFRESH_DAYS = 3
LOOKBACK = timedelta(days=1)
BACKFILL_RUN_DAYS = 31
ADVISORY_LOCK = 0x524F4C4C  # "ROLL": the lock class of the rollup refresh, keyed by merchant id


def runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days grouped into (first, last) runs."""
    first = last = None
    for day in sorted(set(days)):
        if last is not None and day == last + timedelta(days=1):
            last = day
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = day
    if first is not None and last is not None:
        yield first, last


def _days_of(conn: AsyncConnection, source: Any, *where: Any) -> Any:
    return select(utc_day(conn, ORDER.c.placed_at).label("day")).select_from(source).where(*where)


async def touched_days(conn: AsyncConnection, merchant_id: int, since: datetime) -> set[date]:
    """Days of the merchant's orders that saw a row recorded (or an order updated) at or after `since`."""
    mine = ORDER.c.merchant_id == merchant_id
    sources = [
        _days_of(conn, ORDER, mine, or_(ORDER.c.created_at >= since, ORDER.c.updated_at >= since)),
        _days_of(
            conn,
            VIEW.join(ORDER, ORDER.c.id == VIEW.c.order_id),
            mine,
            VIEW.c.merchant_id == merchant_id,
            VIEW.c.kind.in_(("view", *RECOMMENDATION_KINDS)),
            VIEW.c.created_at >= since,
        ),
        _days_of(
            conn,
            NOTE.join(ORDER, ORDER.c.id == NOTE.c.order_id),
            mine,
            NOTE.c.merchant_id == merchant_id,
            NOTE.c.created_at >= since,
        ),
        _days_of(
            conn,
            MESSAGE.join(NOTE, NOTE.c.id == MESSAGE.c.notification_id).join(ORDER, ORDER.c.id == NOTE.c.order_id),
            mine,
            MESSAGE.c.merchant_id == merchant_id,
            MESSAGE.c.kind.in_(MESSAGE_EVENT_KINDS),
            MESSAGE.c.created_at >= since,
        ),
        _days_of(
            conn,
            RESPONSE.join(ORDER, ORDER.c.id == RESPONSE.c.order_id),
            mine,
            RESPONSE.c.merchant_id == merchant_id,
            or_(RESPONSE.c.created_at >= since, RESPONSE.c.updated_at >= since),
        ),
        _days_of(
            conn,
            SHIPMENT.join(ORDER, ORDER.c.id == SHIPMENT.c.order_id),
            mine,
            SHIPMENT.c.merchant_id == merchant_id,
            or_(SHIPMENT.c.created_at >= since, SHIPMENT.c.updated_at >= since),  # polling news bumps updated_at
        ),
    ]
    result = await conn.execute(union(*sources))
    return {date.fromisoformat(day) for (day,) in result}


async def attribution_days(conn: AsyncConnection, merchant_id: int, since: datetime) -> set[date]:
    """Days whose attributed later orders may have changed since `since`: days of the same customer's earlier
    orders with a recommendation click at most MAX_ATTRIBUTION_DAYS before an order created or updated since, and
    days already crediting an order updated since (its email or time may have changed). Only the attribution
    rollup of these days is recounted (a new order reaches back to many days; the rest of them is unchanged)."""
    changed = ORDER.alias("changed")
    recent = and_(
        changed.c.merchant_id == merchant_id, or_(changed.c.created_at >= since, changed.c.updated_at >= since)
    )
    clicked = _days_of(
        conn,
        ORDER.join(VIEW, VIEW.c.order_id == ORDER.c.id).join(
            changed,
            and_(
                changed.c.customer_email == ORDER.c.customer_email,
                changed.c.id != ORDER.c.id,
                within_days_after(conn, changed.c.placed_at, VIEW.c.created_at, MAX_ATTRIBUTION_DAYS),
            ),
        ),
        ORDER.c.merchant_id == merchant_id,
        ORDER.c.customer_email != "",
        VIEW.c.merchant_id == merchant_id,
        VIEW.c.kind == "rec_click",
        recent,
    )
    days = {date.fromisoformat(day) for (day,) in await conn.execute(clicked.distinct())}
    credited = (
        select(ATTRIBUTION_DAY.c.day)
        .join(changed, changed.c.id == ATTRIBUTION_DAY.c.later_order_id)
        .where(ATTRIBUTION_DAY.c.merchant_id == merchant_id, recent)
        .distinct()
    )
    days.update(_as_date(day) for (day,) in await conn.execute(credited))
    return days


def _as_date(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


async def _all_days(conn: AsyncConnection, merchant_id: int, before: date) -> list[date]:
    first = (
        await conn.execute(select(func.min(ORDER.c.placed_at)).where(ORDER.c.merchant_id == merchant_id))
    ).scalar_one()
    if first is None:
        return []
    start = first.astimezone(UTC).date()
    return [start + timedelta(days=i) for i in range((before - start).days)]


async def _save_state(conn: AsyncConnection, merchant_id: int, closed_before: date, now: datetime) -> None:
    values = {"merchant_id": merchant_id, "closed_before": closed_before, "refreshed_at": now}
    statement = insert_for(conn, STATE).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[STATE.c.merchant_id], set_={"closed_before": closed_before, "refreshed_at": now}
        )
    )


async def _fill(
    conn: AsyncConnection, merchant_id: int, days: Iterable[date], max_run: int | None = None,
    tables: tuple[Any, ...] = ROLLUPS,
) -> int:  # fmt: skip
    count = 0
    for first, last in runs(days):
        while first <= last:
            end = min(last, first + timedelta(days=max_run - 1)) if max_run else last
            await fill_days(conn, DayRun(merchant_id, first, end), tables)
            count += (end - first).days + 1
            first = end + timedelta(days=1)
    return count


async def refresh_merchant(engine: AsyncEngine, merchant_id: int, now: datetime) -> int:
    """Recount the merchant's closed days that may have changed (all of them the first time), in one transaction;
    returns how many days were recounted."""
    today = now.astimezone(UTC).date()
    async with writing(engine) as conn:
        if is_postgres(conn):  # two workers refreshing one merchant take turns (SQLite writers already do)
            await conn.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK, merchant_id)))
        await prepare(conn)  # no JIT: it compiles these aggregates for longer than they run
        state = (await conn.execute(select(STATE).where(STATE.c.merchant_id == merchant_id))).first()
        attributed: set[date] = set()
        if state is None:
            days = set(await _all_days(conn, merchant_id, today))
        else:
            days = {today - timedelta(days=n) for n in range(1, REFRESH_DAYS + 1)}
            days |= {state.closed_before + timedelta(days=n) for n in range((today - state.closed_before).days)}
            days |= await touched_days(conn, merchant_id, state.refreshed_at - LOOKBACK)
            attributed = await attribution_days(conn, merchant_id, state.refreshed_at - LOOKBACK) - days
        closed = [day for day in days if day < today]
        counted = await _fill(conn, merchant_id, closed, BACKFILL_RUN_DAYS)
        await fill_months(conn, merchant_id, {day.replace(day=1) for day in closed})
        only_attribution = [day for day in attributed if day < today]
        await _fill(conn, merchant_id, only_attribution, BACKFILL_RUN_DAYS, (ATTRIBUTION_DAY,))
        if closed:
            await link_visitors(conn, merchant_id, min(closed))
        await _save_state(conn, merchant_id, today, now)
    return counted


async def refresh(engine: AsyncEngine, now: datetime | None = None) -> int:
    """Refresh every merchant's rollups; returns the number of days recounted."""
    now = now or datetime.now(UTC)
    async with engine.connect() as conn:
        merchants = list((await conn.execute(select(MERCHANT.c.id).order_by(MERCHANT.c.id))).scalars())
    return sum([await refresh_merchant(engine, merchant_id, now) for merchant_id in merchants])


async def backfill(engine: AsyncEngine, now: datetime | None = None) -> int:
    """Recount every closed day of every merchant from scratch; returns the number of days counted."""
    async with writing(engine) as conn:
        await conn.execute(delete(STATE))
    return await refresh(engine, now)
