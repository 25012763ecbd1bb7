"""17TRACK pushes: check the `sign` header (SHA-256 of body + "/" + API key), then parse the push."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from carriers.base import guarded_parse
from carriers.result import TrackResult
from carriers.track17.parse import parse

SIGNATURE_HEADER = "sign"


def verify_webhook(raw: bytes, headers: Mapping[str, str], secret: str, *, url_token: str = "") -> bool:
    """True only when `sign` is the hex SHA-256 of exactly these bytes, "/", and the API key (`secret`)."""
    received = header(headers, SIGNATURE_HEADER).strip().lower()
    if not received or not secret:
        return False
    # 17TRACK signs with a plain hash of body and key, not an HMAC; the comparison is still constant-time.
    expected = hashlib.sha256(raw + b"/" + secret.encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace"))


@guarded_parse
def parse_webhook(raw: bytes) -> list[TrackResult]:
    """Results from a TRACKING_UPDATED push; TRACKING_STOPPED and other events carry none."""
    event = json.loads(raw)
    if not isinstance(event, dict) or event.get("event") != "TRACKING_UPDATED":
        return []
    return parse(raw)


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value looked up without regard to case (HTTP names are case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")
