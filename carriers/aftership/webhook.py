"""AfterShip webhooks: check `aftership-hmac-sha256` over the raw body, then parse the `msg` tracking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from carriers.aftership.parse import parse
from carriers.base import guarded_parse
from carriers.result import TrackResult

SIGNATURE_HEADER = "aftership-hmac-sha256"
TRACKING_EVENTS = frozenset({"tracking_update", "edd_revise"})


def verify_webhook(raw: bytes, headers: Mapping[str, str], secret: str, *, url_token: str = "") -> bool:
    """True only when the header is the base64 HMAC-SHA256 of exactly these bytes under `secret`."""
    received = header(headers, SIGNATURE_HEADER).strip()
    if not received or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).digest())
    return hmac.compare_digest(expected, received.encode("utf-8", "replace"))


@guarded_parse
def parse_webhook(raw: bytes) -> list[TrackResult]:
    """Results from a tracking webhook; events that carry no tracking (e.g. pending-time) give none."""
    event = json.loads(raw)
    if not isinstance(event, dict) or event.get("event") not in TRACKING_EVENTS:
        return []
    return parse(raw)


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value looked up without regard to case (HTTP names are case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")
