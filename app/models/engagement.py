"""Engagement tables: notification rules and templates, save offers, shopper answers and requests, products,
recommendation rules, and the page/message events analytics counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.core import utcnow


class NotificationRule(SQLModel, table=True):
    """A merchant's switch for one trigger on one channel; no row means the built-in default."""

    __tablename__ = "notification_rule"
    __table_args__ = (UniqueConstraint("merchant_id", "trigger", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    trigger: str = Field(max_length=32)
    channel: str = Field(max_length=8)
    enabled: bool = True


class TemplateOverride(SQLModel, table=True):
    """A merchant's own subject/body for a trigger, channel, language and audience (any, first, returning)."""

    __tablename__ = "template_override"
    __table_args__ = (UniqueConstraint("merchant_id", "trigger", "channel", "locale", "audience"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    trigger: str = Field(max_length=32)
    channel: str = Field(max_length=8)
    locale: str = Field(max_length=10)
    audience: str = Field(default="any", max_length=10)
    subject: str = Field(default="", max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    last_error: str = Field(default="", max_length=500)
    last_error_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class SaveOffer(SQLModel, table=True):
    """What the shop offers a cancelling shopper who gives `reason` (discount, free/priority shipping, …)."""

    __tablename__ = "save_offer"
    __table_args__ = (UniqueConstraint("merchant_id", "reason"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    reason: str = Field(max_length=24)
    kind: str = Field(max_length=24)  # discount, free_shipping, priority_shipping, similar_products, swap, contact
    code: str = Field(default="", max_length=64)
    url: str = Field(default="", max_length=500)
    message: str = Field(default="", max_length=500)


class SurveyResponse(SQLModel, table=True):
    """A shopper's answer: a cancellation reason or a delivery feedback score (1–5) with a comment."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("order_id", "kind"), Index("ix_survey_response_report", "merchant_id", "kind"))

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id")
    kind: str = Field(max_length=16)  # cancel_reason, feedback
    value: str = Field(default="", max_length=24)  # the reason code
    rating: int | None = None
    comment: str = Field(default="", max_length=2000)
    source: str = Field(default="email", max_length=8)  # email, page
    saved: bool = False  # the cancelling shopper took the offer and the order went ahead
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChangeRequest(SQLModel, table=True):
    """A shopper's request before shipping: change the address, swap size/colour, or cancel."""

    __tablename__ = "change_request"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id")
    kind: str = Field(max_length=12)  # address, swap, cancel
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    state: str = Field(default="open", max_length=12)  # open, accepted, declined, done
    merchant_note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None


class Product(SQLModel, table=True):
    """The shop's catalogue, for recommendations (CSV upload, API or console)."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("merchant_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    external_id: str = Field(max_length=64)
    sku: str = Field(default="", max_length=64)
    title: str = Field(max_length=300)
    url: str = Field(max_length=500)
    image_url: str = Field(default="", max_length=500)
    price_cents: int = Field(default=0)
    currency: str = Field(default="", max_length=3)
    collections: str = Field(default="", max_length=500)  # comma-separated handles
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class RecommendationRule(SQLModel, table=True):
    """When an order contains a product (or one of a collection), recommend another product."""

    __tablename__ = "recommendation_rule"
    # the rules an order meets, found by shop and value; also serves every lookup by shop alone
    __table_args__ = (Index("ix_recommendation_rule_match", "merchant_id", "when_value", "when_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    when_kind: str = Field(max_length=12)  # product, collection
    when_value: str = Field(max_length=64)  # external product id or collection handle
    product_id: int = Field(foreign_key="product.id")
    position: int = Field(default=0)


class PageEvent(SQLModel, table=True):
    """A tracking-page view, lookup, recommendation impression or click: what analytics counts."""

    __tablename__ = "page_event"
    __table_args__ = (Index("ix_page_event_report", "merchant_id", "kind", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    order_id: int | None = Field(default=None, foreign_key="shop_order.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id")
    kind: str = Field(max_length=16)  # view, rec_impression, rec_click, lookup
    visitor: str = Field(default="", max_length=16)  # salted hash of IP + user agent, never the address
    product_id: int | None = Field(default=None, foreign_key="product.id")
    created_at: datetime = Field(default_factory=utcnow)


class MessageEvent(SQLModel, table=True):
    """An email open (pixel) or link click, or an SMS delivery callback: the notification funnel."""

    __tablename__ = "message_event"
    __table_args__ = (Index("ix_message_event_report", "merchant_id", "kind", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    notification_id: int = Field(foreign_key="notification.id", index=True)
    kind: str = Field(max_length=16)  # open, click, delivered, undelivered, bounced
    detail: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
