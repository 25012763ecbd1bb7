"""EasyPost webhooks: check `X-Hmac-Signature` over the raw body, then parse the Event's Tracker."""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping

from carriers.base import guarded_parse
from carriers.easypost.parse import parse
from carriers.result import TrackResult

SIGNATURE_HEADER = "x-hmac-signature"
_PREFIX = "hmac-sha256-hex="


def verify_webhook(raw: bytes, headers: Mapping[str, str], secret: str, *, url_token: str = "") -> bool:
    """True only when the header is EasyPost's HMAC-SHA256 of exactly these bytes under `secret`."""
    received = header(headers, SIGNATURE_HEADER)
    if not received or not secret:
        return False
    # EasyPost keys the HMAC with the NFKD form of the secret, so "sécret" and its composed twin agree.
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    expected = _PREFIX + hmac.new(key, raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), received.strip().lower().encode())


@guarded_parse
def parse_webhook(raw: bytes) -> list[TrackResult]:
    """Results from a `tracker.created`/`tracker.updated` Event; other events carry no tracking."""
    event = json.loads(raw)
    if not isinstance(event, dict) or not str(event.get("description", "")).startswith("tracker."):
        return []
    return parse(raw)


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value looked up without regard to case (HTTP names are case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")
