"""UPS: Track API v1 polling and Track Alert pushes."""

from carriers.ups.adapter import Adapter
from carriers.ups.parse import parse
from carriers.ups.webhook import parse_webhook, verify_webhook

__all__ = ["Adapter", "parse", "parse_webhook", "verify_webhook"]
