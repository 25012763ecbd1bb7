"""Indexes behind the console's shipment search: newest-first listing, status filter, tracking-number prefix."""

from __future__ import annotations

from sqlalchemy import Index

from app.models.core import Shipment

_shipment = Shipment.__table__.c

SHIPMENT_SEARCH_INDEXES = (
    Index("ix_shipment_recent", _shipment.merchant_id, _shipment.updated_at, _shipment.id),
    Index("ix_shipment_status_recent", _shipment.merchant_id, _shipment.status, _shipment.updated_at),
    Index("ix_shipment_tracking_number", _shipment.merchant_id, _shipment.tracking_number),
)
