"""Daily rollups the dashboard reads for closed days: per merchant, per UTC day the orders were placed, per carrier.

`carrier` is "" for every order of the day, or a carrier code for the orders with a shipment of that carrier (an
order shipped with two carriers counts under both, as the carrier filter does). Filled by app.analytics.rollup.
Also the partial index of active shipments, which the dashboard reads live.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.core import Shipment, utcnow

ANY_CARRIER = ""
NO_EARLIER_DAY = date(1, 1, 1)
"""`previous_day` of a visitor's first day."""
TERMINAL_STATUSES = ("delivered", "returned", "expired")
"""Shipment statuses that never change again; the others are active."""
NO_PRODUCT = 0
"""`product_id` of recommendation events that name no product."""
SCORES = range(1, 6)
"""The feedback scores counted one by one in the order-day rollup (`rating_1` … `rating_5`)."""
MAX_ATTRIBUTION_DAYS = 90
"""The longest attribution window a merchant may set: the attribution rollup keeps later orders up to this far
after a click (a longer window is counted from the raw rows)."""


class OrderDayRollup(SQLModel, table=True):
    """Orders placed on a day, split by holdout group: tracking-page views, cancellations and feedback scores
    (counts, sums and squares, so means and variances add up over days; and how many gave each score 1–5)."""

    __tablename__ = "analytics_order_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    holdout: bool = Field(primary_key=True)
    orders: int = 0
    views: int = 0
    view_squares: int = 0
    visited_orders: int = 0
    cancelled: int = 0
    rated: int = 0
    rating_total: int = 0
    rating_squares: int = 0
    rating_1: int = 0
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0


class CancellationDayRollup(SQLModel, table=True):
    """Cancellation reasons given for the orders placed on a day: answers, and how many the save offer kept."""

    __tablename__ = "analytics_cancellation_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    reason: str = Field(max_length=24, primary_key=True)
    answers: int = 0
    saved: int = 0


class VisitorDayRollup(SQLModel, table=True):
    """Each distinct visitor who viewed the page of an order placed on a day, with the visitor's previous such day
    (distinct counts do not add up over days; these keys are what VisitorSpanRollup is counted from)."""

    __tablename__ = "analytics_visitor_day"
    __table_args__ = (Index("ix_analytics_visitor_day_visitor", "merchant_id", "carrier", "visitor", "day"),)

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    visitor: str = Field(max_length=16, primary_key=True)
    previous_day: date = NO_EARLIER_DAY


class VisitorSpanRollup(SQLModel, table=True):
    """How many visitors of a day were last seen on `previous_day`: the distinct visitors of days `start`..`end`
    are those of these days whose previous day is before `start`, a sum with no DISTINCT."""

    __tablename__ = "analytics_visitor_span"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    previous_day: date = Field(primary_key=True)
    visitors: int = 0


class FunnelDayRollup(SQLModel, table=True):
    """Notifications of the orders placed on a day, per trigger and channel: how many reached each step."""

    __tablename__ = "analytics_funnel_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    trigger: str = Field(max_length=32, primary_key=True)
    channel: str = Field(max_length=8, primary_key=True)
    queued: int = 0
    sent: int = 0
    failed: int = 0
    undelivered: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0


class RecommendationDayRollup(SQLModel, table=True):
    """Recommendation impressions and clicks on the pages of orders placed on a day, per product."""

    __tablename__ = "analytics_recommendation_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    product_id: int = Field(primary_key=True)
    impressions: int = 0
    clicks: int = 0


class AttributionDayRollup(SQLModel, table=True):
    """Each later order of the same customer email after a recommendation click on the page of an order placed on a
    day, per clicked product: `within_days` is the shortest wait from such a click to the later order in whole days
    rounded up, so the order counts for an attribution window of that many days or more (distinct later orders do
    not add up over days or products; the chart counts them from these keys). Only waits up to
    MAX_ATTRIBUTION_DAYS are kept."""

    __tablename__ = "analytics_attribution_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    carrier: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    product_id: int = Field(primary_key=True)
    later_order_id: int = Field(primary_key=True)
    within_days: int = 0


class ShipmentDayRollup(SQLModel, table=True):
    """Shipments of the orders placed on a day, per shipment carrier: on-time deliveries and problem events."""

    __tablename__ = "analytics_shipment_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    day: date = Field(primary_key=True)
    carrier: str = Field(max_length=20, primary_key=True)
    shipments: int = 0
    delivered: int = 0
    with_promise: int = 0
    on_time_promise: int = 0
    with_estimate: int = 0
    on_time_estimate: int = 0
    exception_shipments: int = 0
    exception_events: int = 0
    failed_attempt_shipments: int = 0
    failed_attempt_events: int = 0


class TransitDayRollup(SQLModel, table=True):
    """Delivered shipments of the orders placed on a day, per carrier, service and whole hours in transit."""

    __tablename__ = "analytics_transit_day"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    day: date = Field(primary_key=True)
    carrier: str = Field(max_length=20, primary_key=True)
    service: str = Field(max_length=100, primary_key=True)
    hours: int = Field(primary_key=True)
    shipments: int = 0


class TransitMonthRollup(SQLModel, table=True):
    """TransitDayRollup summed over the closed days of a calendar month (`month` is its first day): a year's
    histogram reads twelve of these instead of every day's rows."""

    __tablename__ = "analytics_transit_month"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    month: date = Field(primary_key=True)
    carrier: str = Field(max_length=20, primary_key=True)
    service: str = Field(max_length=100, primary_key=True)
    hours: int = Field(primary_key=True)
    shipments: int = 0


class RollupState(SQLModel, table=True):
    """How far a merchant's rollups reach: every day before `closed_before` is rolled up (as of `refreshed_at`);
    the dashboard reads that day and later from the raw rows."""

    __tablename__ = "analytics_rollup_state"

    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    closed_before: date
    refreshed_at: datetime = Field(default_factory=utcnow)


_ACTIVE = Shipment.__table__.c.status.not_in(TERMINAL_STATUSES)
ACTIVE_SHIPMENT_COLUMNS = ["id", "order_id", "carrier", "status", "last_event_at", "tracking_number"]
ACTIVE_SHIPMENTS_INDEX = Index(
    "ix_shipment_active",
    Shipment.__table__.c.merchant_id,
    Shipment.__table__.c.created_at,
    postgresql_include=ACTIVE_SHIPMENT_COLUMNS,
    postgresql_where=_ACTIVE,
    sqlite_where=_ACTIVE,
)
"""Only the active shipments, by merchant and creation: the dashboard's stuck-shipment counts (which depend on the
current time, so are never rolled up) read these few rows instead of every shipment of the range; on PostgreSQL
the index holds every column they read, so the table itself is not visited."""
