"""Indexes the analytics dashboard reads through, declared on existing tables (created by the analytics migration).

Every dashboard query starts from a merchant's orders placed in a date range, then follows order or shipment ids
into events; these indexes make each of those steps an index range scan.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.models.core import Order, TrackingEvent
from app.models.engagement import MessageEvent, PageEvent

_order = Order.__table__
_page_event = PageEvent.__table__
_message_event = MessageEvent.__table__
_tracking_event = TrackingEvent.__table__

ANALYTICS_INDEXES = (
    Index("ix_shop_order_merchant_placed", _order.c.merchant_id, _order.c.placed_at),
    Index("ix_page_event_order_kind", _page_event.c.order_id, _page_event.c.kind),
    Index("ix_message_event_notification_kind", _message_event.c.notification_id, _message_event.c.kind),
    Index("ix_tracking_event_status_shipment", _tracking_event.c.status, _tracking_event.c.shipment_id),
)
