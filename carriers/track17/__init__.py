"""17TRACK (API v2.2): aggregated tracking for thousands of carriers, polled and pushed (signed pushes)."""

from carriers.track17.adapter import Adapter
from carriers.track17.parse import parse
from carriers.track17.webhook import parse_webhook, verify_webhook

__all__ = ["Adapter", "parse", "parse_webhook", "verify_webhook"]
