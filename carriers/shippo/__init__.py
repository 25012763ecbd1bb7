"""Shippo Tracks: aggregated tracking for many carriers, polled and pushed (`track_updated`, URL token)."""

from carriers.shippo.adapter import Adapter
from carriers.shippo.parse import parse
from carriers.shippo.webhook import parse_webhook, verify_webhook

__all__ = ["Adapter", "parse", "parse_webhook", "verify_webhook"]
