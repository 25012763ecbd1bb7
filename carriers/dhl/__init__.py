"""DHL: Shipment Tracking – Unified API polling."""

from carriers.dhl.adapter import Adapter
from carriers.dhl.parse import parse

__all__ = ["Adapter", "parse"]
