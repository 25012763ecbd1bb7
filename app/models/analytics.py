"""Indexes the analytics dashboard reads through, declared on existing tables (created by the analytics migration).

Every dashboard query starts from a merchant's orders placed in a date range and skips rows recorded before the
range (page and message events use their own report indexes). Kept to three, on tables written once per order or
message, so that the polling path (tracking events) pays nothing for them.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.models.core import Notification, Order, Shipment

_order = Order.__table__
_shipment = Shipment.__table__
_notification = Notification.__table__

ANALYTICS_INDEXES = (
    Index("ix_shop_order_merchant_placed", _order.c.merchant_id, _order.c.placed_at),
    Index("ix_shipment_merchant_created", _shipment.c.merchant_id, _shipment.c.created_at),
    Index("ix_notification_merchant_created", _notification.c.merchant_id, _notification.c.created_at),
)
