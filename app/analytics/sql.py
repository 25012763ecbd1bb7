"""Shared query pieces: the orders a filter selects, and the few expressions SQLite and PostgreSQL write differently."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, exists, func, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.analytics.filters import Filters
from app.models import Order, Shipment

ORDER = Order.__table__
SHIPMENT = Shipment.__table__


def cohort(f: Filters, *columns: Any) -> Any:
    """Orders of the merchant placed in the range (and shipped with the carrier, when one is picked), as a subquery
    with `id` plus the extra `columns` of shop_order."""
    query = select(ORDER.c.id, *columns).where(
        ORDER.c.merchant_id == f.merchant_id,
        ORDER.c.placed_at >= f.start_at,
        ORDER.c.placed_at < f.end_before,
    )
    if f.carrier:
        query = query.where(
            exists().where(
                SHIPMENT.c.order_id == ORDER.c.id,
                SHIPMENT.c.merchant_id == f.merchant_id,
                SHIPMENT.c.carrier == f.carrier,
            )
        )
    return query.subquery("cohort")


def recorded_since(f: Filters) -> datetime:
    """A lower bound on when anything about the filter's orders was recorded (events, messages, shipments come
    after the order is placed; a day's margin allows for a shop clock that runs ahead). It only lets the
    database skip old rows through an index; which orders count is still decided by `placed_at`."""
    return f.start_at - timedelta(days=1)


def recorded_in_range(conn: AsyncConnection, column: Any, f: Filters) -> ColumnElement[bool]:
    """`column >= recorded_since(f)` on PostgreSQL, where it turns a scan of the whole event table into an index
    range; SQLite joins these tables by order id, and offered the bound it picks the time index instead."""
    return column >= recorded_since(f) if is_postgres(conn) else true()


def scoped_shipments(f: Filters) -> Any:
    """The filter's shipments: those of orders placed in the range, of the picked carrier."""
    query = (
        select(SHIPMENT)
        .join(ORDER, ORDER.c.id == SHIPMENT.c.order_id)
        .where(
            SHIPMENT.c.merchant_id == f.merchant_id,
            ORDER.c.merchant_id == f.merchant_id,
            ORDER.c.placed_at >= f.start_at,
            ORDER.c.placed_at < f.end_before,
            SHIPMENT.c.created_at >= recorded_since(f),
        )
    )
    if f.carrier:
        query = query.where(SHIPMENT.c.carrier == f.carrier)
    return query


def is_postgres(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


async def prepare(conn: AsyncConnection) -> None:
    """Per-transaction settings for the dashboard's reads. PostgreSQL's JIT compiles these mid-sized aggregates
    for longer than they run (seconds of compile for a 100 ms query on 1M shipments), so it is off here."""
    if is_postgres(conn):
        await conn.execute(text("SET LOCAL jit = off"))


def epoch_hours(conn: AsyncConnection, moment: Any) -> ColumnElement[Any]:
    """Hours since a fixed origin, as a number (differences of two give elapsed hours)."""
    if is_postgres(conn):
        return func.extract("epoch", moment) / 3600.0
    return func.julianday(moment) * 24.0


def whole_hours_between(conn: AsyncConnection, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Elapsed whole hours from `earlier` to `later`, rounded to the nearest hour."""
    return cast(func.round(epoch_hours(conn, later) - epoch_hours(conn, earlier)), Integer)


def utc_day(conn: AsyncConnection, moment: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD' text on both databases."""
    if is_postgres(conn):
        return func.to_char(func.timezone("UTC", moment), literal("YYYY-MM-DD"))
    return func.strftime("%Y-%m-%d", moment)


def day_on_or_before(conn: AsyncConnection, moment: Any, day: Any) -> ColumnElement[bool]:
    """The UTC day of timestamp `moment` is on or before date column `day`."""
    if is_postgres(conn):
        return cast(func.timezone("UTC", moment), Date) <= day
    return func.date(moment) <= day


def within_days_after(conn: AsyncConnection, later: Any, earlier: Any, days: int) -> ColumnElement[bool]:
    """`later` is after `earlier` by at most `days` days."""
    if is_postgres(conn):
        return and_(later > earlier, later <= earlier + func.make_interval(0, 0, 0, days))
    gap = func.julianday(later) - func.julianday(earlier)
    return and_(gap > 0, gap <= days)


def whole_days_up(conn: AsyncConnection, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Days from `earlier` to `later`, rounded up to a whole number (a wait of 0 < d <= n days gives at most n, as
    `within_days_after` measures it)."""
    if is_postgres(conn):
        return cast(func.ceil(func.extract("epoch", later - earlier) / 86400), Integer)
    gap = func.julianday(later) - func.julianday(earlier)
    return cast(gap, Integer) + case((gap > cast(gap, Integer), 1), else_=0)


def utc_date(conn: AsyncConnection, moment: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp, as a date (SQLite keeps dates as 'YYYY-MM-DD' text)."""
    if is_postgres(conn):
        return cast(func.timezone("UTC", moment), Date)
    return func.date(moment)


MESSAGE_EVENT_KINDS = ("bounced", "undelivered", "delivered", "open", "click")


def message_event_flags(events: Any) -> list[Any]:
    """For rows of `events` grouped by notification: 1/0 flags undelivered, delivered, opened and clicked (the
    funnel's measures, the same for the raw chart and for its rollup)."""

    def flag(condition: Any) -> Any:
        return func.max(case((condition, 1), else_=0))

    return [
        flag(events.c.kind.in_(("bounced", "undelivered"))).label("undelivered"),
        flag(events.c.kind == "delivered").label("delivered"),
        flag(events.c.kind == "open").label("opened"),
        flag(events.c.kind == "click").label("clicked"),
    ]
