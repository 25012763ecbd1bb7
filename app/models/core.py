"""Core tables (SQLModel): merchants and their keys, carrier accounts, orders, shipments, events, the outbox.

Every row carries `merchant_id` (directly or through its order), and every query is scoped by it.
Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Merchant(SQLModel, table=True):
    __tablename__ = "merchant"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    website_url: str = Field(default="", max_length=500)
    logo_url: str = Field(default="", max_length=500)
    primary_color: str = Field(default="#1f4e79", max_length=7)
    accent_color: str = Field(default="#f5a623", max_length=7)
    font: str = Field(default="system", max_length=40)
    support_email: str = Field(default="", max_length=254)
    support_phone: str = Field(default="", max_length=40)
    support_url: str = Field(default="", max_length=500)
    return_policy_url: str = Field(default="", max_length=500)
    announcement: str = Field(default="", max_length=500)
    default_locale: str = Field(default="en", max_length=10)
    timezone: str = Field(default="UTC", max_length=64)
    sender_name: str = Field(default="", max_length=100)
    reply_to: str = Field(default="", max_length=254)
    # Tracking page
    support_chat_url: str = Field(default="", max_length=500)
    header_links: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    custom_domain: str | None = Field(default=None, max_length=253, unique=True)
    frame_ancestors: str = Field(default="", max_length=500)  # space-separated origins allowed to frame the page
    recommendations_enabled: bool = True
    bought_together_enabled: bool = True
    # Notifications
    sms_from_number: str = Field(default="", max_length=20)
    quiet_hours_start: int = Field(default=8 * 60)  # minutes after local midnight
    quiet_hours_end: int = Field(default=21 * 60)
    daily_message_cap: int = Field(default=10_000)
    coalesce_minutes: int = Field(default=10)
    not_shipped_days: int = Field(default=3)
    delay_hours: int = Field(default=72)  # no scan for this long while in transit counts as delayed
    feedback_days: int = Field(default=3)
    # Analytics
    holdout_percent: int = Field(default=0)  # share of orders that get no proactive messages
    attribution_days: int = Field(default=7)
    # Shopify: the app's shared secret, sealed like carrier credentials
    shopify_domain: str = Field(default="", max_length=253)
    shopify_secret: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # Moved by database triggers on any write to this row, its products or its recommendation rules (app.models.pages):
    # a page stored by one process is not served by another once the shop's look or catalogue has changed.
    page_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    name: str = Field(default="default", max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class CarrierAccountRow(SQLModel, table=True):
    """A merchant's credentials for one carrier; `credentials` is AES-GCM ciphertext, never clear text."""

    __tablename__ = "carrier_account"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    carrier: str = Field(max_length=20)
    label: str = Field(default="", max_length=100)
    credentials: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    base_url: str = Field(default="", max_length=500)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    created_at: datetime = Field(default_factory=utcnow)


class Order(SQLModel, table=True):
    __tablename__ = "shop_order"
    __table_args__ = (UniqueConstraint("merchant_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    number: str = Field(max_length=64)
    customer_name: str = Field(default="", max_length=200)
    customer_email: str = Field(default="", max_length=254, index=True)
    customer_phone: str = Field(default="", max_length=20)
    locale: str = Field(default="", max_length=10)
    timezone: str = Field(default="", max_length=64)
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=2)
    placed_at: datetime = Field(default_factory=utcnow)
    promised_by: date | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = Field(default="", max_length=40)
    source: str = Field(default="api", max_length=12)  # api, shopify, csv, demo
    external_id: str = Field(default="", max_length=64)
    first_order: bool = True  # the customer's first order with this shop
    holdout: bool = False  # in the no-proactive-messages control group
    sms_opt_in: bool = False
    sms_consent_at: datetime | None = None
    preferred_channel: str = Field(default="email", max_length=8)
    currency: str = Field(default="", max_length=3)
    total_cents: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LineItem(SQLModel, table=True):
    __tablename__ = "line_item"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    sku: str = Field(default="", max_length=64)
    title: str = Field(max_length=300)
    quantity: int = Field(default=1, ge=1)
    image_url: str = Field(default="", max_length=500)
    product_url: str = Field(default="", max_length=500)
    product_id: str = Field(default="", max_length=64)  # the shop's product id (catalogue external_id)
    variant: str = Field(default="", max_length=100)  # e.g. "M / blue"


class ShipmentItem(SQLModel, table=True):
    """What one parcel of an order carries: an item of its order (matched by SKU, else by the shop's product id and
    variant) and how many. Kept apart from `line_item`, which an order update replaces as a whole."""

    __tablename__ = "shipment_item"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    sku: str = Field(default="", max_length=64)
    product_id: str = Field(default="", max_length=64)
    variant: str = Field(default="", max_length=100)
    quantity: int = Field(default=1, ge=1)


class Shipment(SQLModel, table=True):
    __tablename__ = "shipment"
    __table_args__ = (
        UniqueConstraint("merchant_id", "carrier", "tracking_number"),
        Index("ix_shipment_due", "next_poll_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (merchant_id, carrier, tracking_number) and the console's indexes begin with it.
    merchant_id: int = Field(foreign_key="merchant.id")
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    carrier: str = Field(max_length=20)
    carrier_account_id: int | None = Field(default=None, foreign_key="carrier_account.id")
    tracking_number: str = Field(max_length=40)
    # Random reference the public token is derived from (HMAC with the secret key); only its hash is stored.
    ref: str = Field(max_length=32, unique=True)
    token_version: int = Field(default=0)
    token_hash: str = Field(max_length=64, unique=True)
    status: str = Field(default="pending", max_length=24)
    substatus: str = Field(default="", max_length=64)
    action_required: bool = False
    status_changed_at: datetime = Field(default_factory=utcnow)
    service: str = Field(default="", max_length=100)
    origin_postal_code: str = Field(default="", max_length=20)
    origin_country: str = Field(default="", max_length=2)
    shipped_at: datetime | None = None  # first carrier scan showing movement
    estimate_earliest: date | None = None
    estimate_latest: date | None = None
    first_estimate: date | None = None
    delivered_at: datetime | None = None
    signed_by: str = Field(default="", max_length=100)
    last_event_at: datetime | None = None
    next_poll_at: datetime | None = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    poll_failures: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    not_found_since: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TrackingEvent(SQLModel, table=True):
    __tablename__ = "tracking_event"
    # The unique (shipment_id, fingerprint) index also serves every lookup by shipment: no second index to write.
    __table_args__ = (UniqueConstraint("shipment_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id")
    fingerprint: str = Field(max_length=40)
    occurred_at: datetime
    status: str = Field(max_length=24)
    substatus: str = Field(default="", max_length=64)
    carrier_code: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=500)
    location: str = Field(default="", max_length=200)
    local_time: str = Field(default="", max_length=40)
    action_required: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """The outbox: one row per message to send, written in the transaction that caused it."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_due", "state", "next_attempt_at"),
        Index("ix_notification_merchant_sent", "merchant_id", "sent_at"),  # the daily cap's count of today's sends
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id", index=True)
    trigger: str = Field(max_length=32)
    channel: str = Field(max_length=8)
    recipient: str = Field(max_length=254)
    dedupe_key: str = Field(max_length=200, unique=True)
    state: str = Field(default="pending", max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    provider_id: str = Field(default="", max_length=200)
    last_error: str = Field(default="", max_length=500)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class NotificationAttempt(SQLModel, table=True):
    __tablename__ = "notification_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(default="", max_length=12)
    provider_id: str = Field(default="", max_length=200)
    error: str = Field(default="", max_length=500)


class Suppression(SQLModel, table=True):
    """A recipient who opted out of a channel for one shop (unsubscribe, SMS STOP, hard bounce)."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("merchant_id", "channel", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    channel: str = Field(max_length=8)
    recipient: str = Field(max_length=254)
    reason: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class CarrierWebhookInbox(SQLModel, table=True):
    """A verified carrier push, stored as received and processed out of the request (at-least-once senders)."""

    __tablename__ = "carrier_webhook_inbox"
    __table_args__ = (Index("ix_carrier_webhook_inbox_pending", "processed_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    carrier: str = Field(max_length=20)
    carrier_account_id: int = Field(foreign_key="carrier_account.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    # carrier + account + the carrier's event id (or the body's SHA-256): a redelivery hits the unique key.
    delivery_key: str = Field(max_length=200, unique=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    attempts: int = Field(default=0)
    processed_at: datetime | None = None
    error: str = Field(default="", max_length=500)
