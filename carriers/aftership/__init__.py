"""AfterShip Tracking: aggregated tracking for many couriers, polled and pushed (signed webhooks)."""

from carriers.aftership.adapter import Adapter
from carriers.aftership.parse import parse
from carriers.aftership.webhook import parse_webhook, verify_webhook

__all__ = ["Adapter", "parse", "parse_webhook", "verify_webhook"]
