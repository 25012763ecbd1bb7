"""EasyPost Trackers: aggregated tracking for many carriers, polled and pushed (signed `tracker.updated`)."""

from carriers.easypost.adapter import Adapter
from carriers.easypost.parse import parse
from carriers.easypost.webhook import parse_webhook, verify_webhook

__all__ = ["Adapter", "parse", "parse_webhook", "verify_webhook"]
