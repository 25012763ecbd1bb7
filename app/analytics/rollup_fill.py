"""Recomputes a merchant's daily rollups for a run of days from the raw rows (delete, then insert from a SELECT).

Each query counts exactly what the chart's raw query counts, grouped by the order's UTC day and carrier key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, delete, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import month_after
from app.analytics.sql import (
    MESSAGE_EVENT_KINDS,
    ORDER,
    SHIPMENT,
    day_on_or_before,
    message_event_flags,
    recorded_in_range,
    recorded_since,
    utc_date,
    whole_days_up,
    whole_hours_between,
    within_days_after,
)
from app.models import (
    FunnelDayRollup,
    MessageEvent,
    Notification,
    OrderDayRollup,
    PageEvent,
    ShipmentDayRollup,
    SurveyResponse,
    TrackingEvent,
    TransitDayRollup,
    VisitorDayRollup,
    VisitorSpanRollup,
)
from app.models.analytics_rollup import (
    ANY_CARRIER,
    MAX_ATTRIBUTION_DAYS,
    NO_EARLIER_DAY,
    NO_PRODUCT,
    SCORES,
    AttributionDayRollup,
    CancellationDayRollup,
    RecommendationDayRollup,
    TransitMonthRollup,
)

ORDER_DAY = OrderDayRollup.__table__
VISITOR_DAY = VisitorDayRollup.__table__
FUNNEL_DAY = FunnelDayRollup.__table__
VISITOR_SPAN = VisitorSpanRollup.__table__
SHIPMENT_DAY = ShipmentDayRollup.__table__
TRANSIT_DAY = TransitDayRollup.__table__
RECOMMENDATION_DAY = RecommendationDayRollup.__table__
CANCELLATION_DAY = CancellationDayRollup.__table__
ATTRIBUTION_DAY = AttributionDayRollup.__table__
TRANSIT_MONTH = TransitMonthRollup.__table__
TRACKING = TrackingEvent.__table__
VIEW = PageEvent.__table__
NOTE = Notification.__table__
MESSAGE = MessageEvent.__table__
RESPONSE = SurveyResponse.__table__
ROLLUPS = (
    ORDER_DAY,
    VISITOR_DAY,
    FUNNEL_DAY,
    SHIPMENT_DAY,
    TRANSIT_DAY,
    RECOMMENDATION_DAY,
    CANCELLATION_DAY,
    ATTRIBUTION_DAY,
)
RECOMMENDATION_KINDS = ("rec_impression", "rec_click")


class DayRun:
    """Orders of `merchant_id` placed from day `first` to day `last` (inclusive, UTC)."""

    def __init__(self, merchant_id: int, first: date, last: date) -> None:
        self.merchant_id = merchant_id
        self.first = first
        self.last = last
        self.filters = Filters(merchant_id=merchant_id, start=first, end=last, now=datetime.now(UTC))

    def placed(self) -> list[Any]:
        start = datetime.combine(self.first, time(), UTC)
        return [
            ORDER.c.merchant_id == self.merchant_id,
            ORDER.c.placed_at >= start,
            ORDER.c.placed_at < start + timedelta(days=(self.last - self.first).days + 1),
        ]

    def carrier_keys(self) -> Any:
        """(order id, carrier key) for each order: once with "" and once per carrier it was shipped with."""
        every = select(ORDER.c.id.label("order_id"), literal(ANY_CARRIER).label("carrier")).where(*self.placed())
        shipped = (
            select(SHIPMENT.c.order_id, SHIPMENT.c.carrier)
            .join(ORDER, ORDER.c.id == SHIPMENT.c.order_id)
            .where(SHIPMENT.c.merchant_id == self.merchant_id, *self.placed())
            .distinct()
        )
        return union_all(every, shipped).subquery("keys")


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _order_days(conn: AsyncConnection, run: DayRun) -> Any:
    day = utc_date(conn, ORDER.c.placed_at).label("day")
    cancelled = case((ORDER.c.cancelled_at.is_not(None), 1), else_=0).label("cancelled")
    views = and_(
        VIEW.c.order_id == ORDER.c.id,
        VIEW.c.merchant_id == run.merchant_id,
        VIEW.c.kind == "view",
        recorded_in_range(conn, VIEW.c.created_at, run.filters),
    )
    per_order = (
        select(ORDER.c.id.label("order_id"), day, ORDER.c.holdout, cancelled, func.count(VIEW.c.id).label("views"))
        .select_from(ORDER.outerjoin(VIEW, views))
        .where(*run.placed())
        .group_by(ORDER.c.id, day, ORDER.c.holdout, cancelled)
        .subquery("per_order")
    )
    ratings = (
        select(RESPONSE.c.order_id, RESPONSE.c.rating)
        .join(ORDER, ORDER.c.id == RESPONSE.c.order_id)
        .where(
            *run.placed(),
            RESPONSE.c.merchant_id == run.merchant_id,
            RESPONSE.c.kind == "feedback",
            RESPONSE.c.rating.is_not(None),
        )
        .subquery("ratings")
    )  # at most one feedback answer per order (unique order and kind)
    keys = run.carrier_keys()
    query = (
        select(
            literal(run.merchant_id),
            keys.c.carrier,
            per_order.c.day,
            per_order.c.holdout,
            func.count(),
            func.sum(per_order.c.views),
            func.sum(per_order.c.views * per_order.c.views),
            _count_if(per_order.c.views > 0),
            func.sum(per_order.c.cancelled),
            func.count(ratings.c.rating),
            func.coalesce(func.sum(ratings.c.rating), 0),
            func.coalesce(func.sum(ratings.c.rating * ratings.c.rating), 0),
            *(_count_if(ratings.c.rating == score) for score in SCORES),
        )
        .select_from(
            per_order.join(keys, keys.c.order_id == per_order.c.order_id).outerjoin(
                ratings, ratings.c.order_id == per_order.c.order_id
            )
        )
        .group_by(keys.c.carrier, per_order.c.day, per_order.c.holdout)
    )
    columns = ["merchant_id", "carrier", "day", "holdout", "orders", "views", "view_squares", "visited_orders"]
    columns += ["cancelled", "rated", "rating_total", "rating_squares", *(f"rating_{score}" for score in SCORES)]
    return ORDER_DAY.insert().from_select(columns, query)


def _order_rows(conn: AsyncConnection, run: DayRun, table: Any, *on: Any) -> tuple[Any, Any, Any]:
    """The run's orders joined to their carrier keys and to `table`'s rows of the same order and shop that match
    `on`: (the carrier keys, the order's UTC day, the joined FROM clause)."""
    keys = run.carrier_keys()
    joined = ORDER.join(keys, keys.c.order_id == ORDER.c.id).join(
        table, and_(table.c.order_id == ORDER.c.id, table.c.merchant_id == run.merchant_id, *on)
    )
    return keys, utc_date(conn, ORDER.c.placed_at), joined


def _visitor_days(conn: AsyncConnection, run: DayRun) -> Any:
    keys, day, joined = _order_rows(
        conn, run, VIEW, VIEW.c.kind == "view", recorded_in_range(conn, VIEW.c.created_at, run.filters)
    )
    query = (
        select(literal(run.merchant_id), keys.c.carrier, day, VIEW.c.visitor, literal(NO_EARLIER_DAY, Date))
        .select_from(joined)
        .where(*run.placed(), VIEW.c.visitor != "")
        .distinct()
    )
    return VISITOR_DAY.insert().from_select(["merchant_id", "carrier", "day", "visitor", "previous_day"], query)


def _recommendation_days(conn: AsyncConnection, run: DayRun) -> Any:
    """Every recommendation event of the run's orders, whenever recorded: the chart's recorded-since bound only
    skips rows recorded long before the range, and no bound of a run's first day may drop what a range from an
    earlier day still counts."""
    keys, day, joined = _order_rows(conn, run, VIEW, VIEW.c.kind.in_(RECOMMENDATION_KINDS))
    product = func.coalesce(VIEW.c.product_id, NO_PRODUCT)
    query = (
        select(
            literal(run.merchant_id),
            keys.c.carrier,
            day,
            product,
            _count_if(VIEW.c.kind == "rec_impression"),
            _count_if(VIEW.c.kind == "rec_click"),
        )
        .select_from(joined)
        .where(*run.placed())
        .group_by(keys.c.carrier, day, product)
    )
    columns = ["merchant_id", "carrier", "day", "product_id", "impressions", "clicks"]
    return RECOMMENDATION_DAY.insert().from_select(columns, query)


def _cancellation_days(conn: AsyncConnection, run: DayRun) -> Any:
    """Cancellation reasons of the run's orders, whenever answered (the chart's raw query has no time bound)."""
    keys, day, joined = _order_rows(conn, run, RESPONSE, RESPONSE.c.kind == "cancel_reason")
    query = (
        select(
            literal(run.merchant_id),
            keys.c.carrier,
            day,
            RESPONSE.c.value,
            func.count(),
            _count_if(RESPONSE.c.saved.is_(True)),
        )
        .select_from(joined)
        .where(*run.placed())
        .group_by(keys.c.carrier, day, RESPONSE.c.value)
    )
    columns = ["merchant_id", "carrier", "day", "reason", "answers", "saved"]
    return CANCELLATION_DAY.insert().from_select(columns, query)


def _attribution_days(conn: AsyncConnection, run: DayRun) -> Any:
    """Later orders of the same customer after a recommendation click on a run's order (clicks whenever recorded,
    as for the recommendation rollup), per clicked product, with the shortest wait in whole days rounded up."""
    keys, day, joined = _order_rows(conn, run, VIEW, VIEW.c.kind == "rec_click")
    later = ORDER.alias("later")
    product = func.coalesce(VIEW.c.product_id, NO_PRODUCT)
    query = (
        select(
            literal(run.merchant_id),
            keys.c.carrier,
            day,
            product,
            later.c.id,
            func.min(whole_days_up(conn, later.c.placed_at, VIEW.c.created_at)),
        )
        .select_from(
            joined.join(
                later,
                and_(
                    later.c.merchant_id == run.merchant_id,
                    later.c.customer_email == ORDER.c.customer_email,
                    later.c.id != ORDER.c.id,
                    within_days_after(conn, later.c.placed_at, VIEW.c.created_at, MAX_ATTRIBUTION_DAYS),
                ),
            )
        )
        .where(*run.placed(), ORDER.c.customer_email != "")
        .group_by(keys.c.carrier, day, product, later.c.id)
    )
    columns = ["merchant_id", "carrier", "day", "product_id", "later_order_id", "within_days"]
    return ATTRIBUTION_DAY.insert().from_select(columns, query)


def _funnel_days(conn: AsyncConnection, run: DayRun) -> Any:
    notes_of_run = select(NOTE.c.id).join(ORDER, ORDER.c.id == NOTE.c.order_id).where(*run.placed())
    flags = (
        select(
            MESSAGE.c.notification_id,
            *message_event_flags(MESSAGE),
        )
        .where(
            MESSAGE.c.merchant_id == run.merchant_id,
            MESSAGE.c.kind.in_(MESSAGE_EVENT_KINDS),
            MESSAGE.c.notification_id.in_(notes_of_run),
            recorded_in_range(conn, MESSAGE.c.created_at, run.filters),
        )
        .group_by(MESSAGE.c.notification_id)
        .subquery("flags")
    )
    keys = run.carrier_keys()
    day = utc_date(conn, ORDER.c.placed_at)
    query = (
        select(
            literal(run.merchant_id),
            keys.c.carrier,
            day,
            NOTE.c.trigger,
            NOTE.c.channel,
            _count_if(NOTE.c.state.in_(("pending", "sending"))),
            _count_if(NOTE.c.state == "sent"),
            _count_if(NOTE.c.state == "failed"),
            *(func.coalesce(func.sum(flags.c[name]), 0) for name in ("undelivered", "delivered", "opened", "clicked")),
        )
        .select_from(
            NOTE.join(ORDER, ORDER.c.id == NOTE.c.order_id)
            .join(keys, keys.c.order_id == ORDER.c.id)
            .outerjoin(flags, flags.c.notification_id == NOTE.c.id)
        )
        .where(
            *run.placed(),
            NOTE.c.merchant_id == run.merchant_id,
            recorded_in_range(conn, NOTE.c.created_at, run.filters),
        )
        .group_by(keys.c.carrier, day, NOTE.c.trigger, NOTE.c.channel)
    )
    columns = ["merchant_id", "carrier", "day", "trigger", "channel", "queued", "sent", "failed"]
    return FUNNEL_DAY.insert().from_select([*columns, "undelivered", "delivered", "opened", "clicked"], query)


def _shipments_of(run: DayRun) -> list[Any]:
    """The run's shipments, as the shipment charts select them (recorded no earlier than the day before)."""
    return [
        SHIPMENT.c.merchant_id == run.merchant_id,
        SHIPMENT.c.created_at >= recorded_since(run.filters),
        *run.placed(),
    ]


def _shipment_days(conn: AsyncConnection, run: DayRun) -> Any:
    delivered = and_(SHIPMENT.c.status == "delivered", SHIPMENT.c.delivered_at.is_not(None))
    promised = and_(delivered, ORDER.c.promised_by.is_not(None))
    estimated = and_(delivered, SHIPMENT.c.first_estimate.is_not(None))
    run_shipments = select(SHIPMENT.c.id).join(ORDER, ORDER.c.id == SHIPMENT.c.order_id).where(*_shipments_of(run))
    problems = (
        select(
            TRACKING.c.shipment_id,
            _count_if(TRACKING.c.status == "exception").label("exceptions"),
            _count_if(TRACKING.c.status == "failed_attempt").label("failed_attempts"),
        )
        .where(TRACKING.c.status.in_(("exception", "failed_attempt")), TRACKING.c.shipment_id.in_(run_shipments))
        .group_by(TRACKING.c.shipment_id)
        .subquery("problems")
    )
    day = utc_date(conn, ORDER.c.placed_at)
    query = (
        select(
            literal(run.merchant_id),
            day,
            SHIPMENT.c.carrier,
            func.count(),
            _count_if(delivered),
            _count_if(promised),
            _count_if(and_(promised, day_on_or_before(conn, SHIPMENT.c.delivered_at, ORDER.c.promised_by))),
            _count_if(estimated),
            _count_if(and_(estimated, day_on_or_before(conn, SHIPMENT.c.delivered_at, SHIPMENT.c.first_estimate))),
            _count_if(problems.c.exceptions > 0),
            func.coalesce(func.sum(problems.c.exceptions), 0),
            _count_if(problems.c.failed_attempts > 0),
            func.coalesce(func.sum(problems.c.failed_attempts), 0),
        )
        .select_from(
            SHIPMENT.join(ORDER, ORDER.c.id == SHIPMENT.c.order_id).outerjoin(
                problems, problems.c.shipment_id == SHIPMENT.c.id
            )
        )
        .where(*_shipments_of(run))
        .group_by(day, SHIPMENT.c.carrier)
    )
    columns = [c.name for c in SHIPMENT_DAY.c]
    return SHIPMENT_DAY.insert().from_select(columns, query)


def _transit_days(conn: AsyncConnection, run: DayRun) -> Any:
    day = utc_date(conn, ORDER.c.placed_at)
    hours = whole_hours_between(conn, SHIPMENT.c.delivered_at, SHIPMENT.c.shipped_at)
    query = (
        select(literal(run.merchant_id), day, SHIPMENT.c.carrier, SHIPMENT.c.service, hours, func.count())
        .select_from(SHIPMENT.join(ORDER, ORDER.c.id == SHIPMENT.c.order_id))
        .where(
            *_shipments_of(run),
            SHIPMENT.c.status == "delivered",
            SHIPMENT.c.delivered_at.is_not(None),
            SHIPMENT.c.shipped_at.is_not(None),
        )
        .group_by(day, SHIPMENT.c.carrier, SHIPMENT.c.service, hours)
    )
    return TRANSIT_DAY.insert().from_select(["merchant_id", "day", "carrier", "service", "hours", "shipments"], query)


BUILDERS = {
    ORDER_DAY: _order_days,
    VISITOR_DAY: _visitor_days,
    FUNNEL_DAY: _funnel_days,
    SHIPMENT_DAY: _shipment_days,
    TRANSIT_DAY: _transit_days,
    RECOMMENDATION_DAY: _recommendation_days,
    CANCELLATION_DAY: _cancellation_days,
    ATTRIBUTION_DAY: _attribution_days,
}
"""Each rollup table and the statement that counts a run's rows of it."""


async def fill_days(conn: AsyncConnection, run: DayRun, tables: tuple[Any, ...] = ROLLUPS) -> None:
    """Replace the rows of the run's days in `tables` (every rollup unless told) with freshly counted ones (inside
    the caller's transaction)."""
    for table in tables:
        await conn.execute(
            delete(table).where(
                table.c.merchant_id == run.merchant_id, table.c.day >= run.first, table.c.day <= run.last
            )
        )
    for table in tables:
        await conn.execute(BUILDERS[table](conn, run))


async def fill_months(conn: AsyncConnection, merchant_id: int, months: set[date]) -> None:
    """After days were recounted: the month rollups of the months (first days) holding them, summed from the
    day rollups."""
    for month in sorted(months):
        in_month = [TRANSIT_DAY.c.day >= month, TRANSIT_DAY.c.day < month_after(month)]
        await conn.execute(
            delete(TRANSIT_MONTH).where(TRANSIT_MONTH.c.merchant_id == merchant_id, TRANSIT_MONTH.c.month == month)
        )
        sums = (
            select(
                literal(merchant_id),
                literal(month, Date),
                TRANSIT_DAY.c.carrier,
                TRANSIT_DAY.c.service,
                TRANSIT_DAY.c.hours,
                func.sum(TRANSIT_DAY.c.shipments),
            )
            .where(TRANSIT_DAY.c.merchant_id == merchant_id, *in_month)
            .group_by(TRANSIT_DAY.c.carrier, TRANSIT_DAY.c.service, TRANSIT_DAY.c.hours)
        )
        columns = ["merchant_id", "month", "carrier", "service", "hours", "shipments"]
        await conn.execute(TRANSIT_MONTH.insert().from_select(columns, sums))


async def link_visitors(conn: AsyncConnection, merchant_id: int, first: date) -> None:
    """After days from `first` on were recounted: each visitor key's previous day (rewritten only where it
    changed), and the visitor spans of those days (earlier keys and spans do not depend on later days)."""
    key, earlier = VISITOR_DAY, VISITOR_DAY.alias("earlier")
    previous = (
        select(func.max(earlier.c.day))
        .where(
            earlier.c.merchant_id == key.c.merchant_id,
            earlier.c.carrier == key.c.carrier,
            earlier.c.visitor == key.c.visitor,
            earlier.c.day < key.c.day,
        )
        .scalar_subquery()
    )
    linked = func.coalesce(previous, literal(NO_EARLIER_DAY, Date))
    await conn.execute(
        update(key)
        .where(key.c.merchant_id == merchant_id, key.c.day >= first, key.c.previous_day != linked)
        .values(previous_day=linked)
    )
    await conn.execute(
        delete(VISITOR_SPAN).where(VISITOR_SPAN.c.merchant_id == merchant_id, VISITOR_SPAN.c.day >= first)
    )
    spans = (
        select(key.c.merchant_id, key.c.carrier, key.c.day, key.c.previous_day, func.count())
        .where(key.c.merchant_id == merchant_id, key.c.day >= first)
        .group_by(key.c.merchant_id, key.c.carrier, key.c.day, key.c.previous_day)
    )
    columns = ["merchant_id", "carrier", "day", "previous_day", "visitors"]
    await conn.execute(VISITOR_SPAN.insert().from_select(columns, spans))
