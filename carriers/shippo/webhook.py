"""Shippo webhooks: a secret `?token=` in the registered URL, then the `track_updated` Track."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

from carriers.base import guarded_parse
from carriers.result import TrackResult
from carriers.shippo.parse import parse


def verify_webhook(raw: bytes, headers: Mapping[str, str], secret: str, *, url_token: str = "") -> bool:
    """True only when the URL's token equals our secret (Shippo does not sign the body publicly)."""
    if not secret or not url_token:
        return False
    return hmac.compare_digest(url_token.encode("utf-8"), secret.encode("utf-8"))


@guarded_parse
def parse_webhook(raw: bytes) -> list[TrackResult]:
    """Results from a `track_updated` delivery; other event types carry no tracking."""
    event = json.loads(raw)
    if not isinstance(event, dict) or event.get("event") != "track_updated":
        return []
    return parse(raw)
