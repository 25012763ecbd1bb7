"""Indexes the analytics dashboard reads through, declared on existing tables (created by the analytics migration).

Every dashboard query starts from a merchant's orders placed in a date range, then follows order or shipment ids
into events, skipping rows recorded before the range; these indexes make each of those steps an index scan.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.models.core import Notification, Order, Shipment, TrackingEvent
from app.models.engagement import MessageEvent, PageEvent

_order = Order.__table__
_page_event = PageEvent.__table__
_message_event = MessageEvent.__table__
_tracking_event = TrackingEvent.__table__
_shipment = Shipment.__table__
_notification = Notification.__table__

ANALYTICS_INDEXES = (
    Index("ix_shop_order_merchant_placed", _order.c.merchant_id, _order.c.placed_at),
    Index("ix_page_event_order_kind", _page_event.c.order_id, _page_event.c.kind),
    Index("ix_message_event_notification_kind", _message_event.c.notification_id, _message_event.c.kind),
    Index("ix_tracking_event_status_shipment", _tracking_event.c.status, _tracking_event.c.shipment_id),
    Index("ix_shipment_merchant_created", _shipment.c.merchant_id, _shipment.c.created_at),
    Index("ix_notification_merchant_created", _notification.c.merchant_id, _notification.c.created_at),
)
