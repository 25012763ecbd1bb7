"""Database tables (SQLModel), one module per area; every row carries `merchant_id` (directly or through its
order) and every query is scoped by it. Times are timezone-aware UTC."""

from __future__ import annotations

from sqlmodel import SQLModel

from app.models.analytics import ANALYTICS_INDEXES
from app.models.analytics_rollup import (
    FunnelDayRollup,
    OrderDayRollup,
    RollupState,
    ShipmentDayRollup,
    TransitDayRollup,
    VisitorDayRollup,
    VisitorSpanRollup,
)
from app.models.console import ConsoleSession, Invitation, LoginThrottle, PasswordReset, User
from app.models.console_data import SHIPMENT_SEARCH_INDEXES
from app.models.core import (
    ApiKey,
    CarrierAccountRow,
    CarrierWebhookInbox,
    LineItem,
    Merchant,
    Notification,
    NotificationAttempt,
    Order,
    Shipment,
    ShipmentItem,
    Suppression,
    TrackingEvent,
    utcnow,
)
from app.models.engagement import (
    ChangeRequest,
    MessageEvent,
    NotificationRule,
    PageEvent,
    Product,
    RecommendationRule,
    SaveOffer,
    SurveyResponse,
    TemplateOverride,
)
from app.models.integrations import (
    IdempotencyRecord,
    ImportRun,
    ShopifyInbox,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.models.pages import RenderedPage

metadata = SQLModel.metadata

__all__ = [
    "ANALYTICS_INDEXES",
    "SHIPMENT_SEARCH_INDEXES",
    "ApiKey",
    "CarrierAccountRow",
    "CarrierWebhookInbox",
    "ChangeRequest",
    "ConsoleSession",
    "FunnelDayRollup",
    "IdempotencyRecord",
    "ImportRun",
    "Invitation",
    "LineItem",
    "LoginThrottle",
    "Merchant",
    "MessageEvent",
    "Notification",
    "NotificationAttempt",
    "NotificationRule",
    "Order",
    "OrderDayRollup",
    "PageEvent",
    "PasswordReset",
    "Product",
    "RecommendationRule",
    "RenderedPage",
    "RollupState",
    "SaveOffer",
    "Shipment",
    "ShipmentDayRollup",
    "ShipmentItem",
    "ShopifyInbox",
    "Suppression",
    "SurveyResponse",
    "TemplateOverride",
    "TrackingEvent",
    "TransitDayRollup",
    "User",
    "VisitorDayRollup",
    "VisitorSpanRollup",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "metadata",
    "utcnow",
]
