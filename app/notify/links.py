"""Signed links in messages: survey answers, feedback scores, the open pixel and click redirects.

Each link carries an HMAC of its purpose and parts under the secret key, so nobody can answer for another order
or turn the click redirect into an open redirect.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlsplit

CANCEL_REASONS: tuple[str, ...] = (
    "changed_mind",
    "shipping_cost",
    "too_slow",
    "found_cheaper",
    "payment_problem",
    "other",
)
SCORES: tuple[int, ...] = (1, 2, 3, 4, 5)


def sign(secret_key: str, purpose: str, *parts: object) -> str:
    message = ":".join([purpose, *(str(p) for p in parts)]).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def verify(secret_key: str, signature: str, purpose: str, *parts: object) -> bool:
    return hmac.compare_digest(sign(secret_key, purpose, *parts), signature)


def cancel_reason_url(base_url: str, secret_key: str, notification_id: int, reason: str) -> str:
    return f"{base_url}/m/cancel/{notification_id}/{reason}/{sign(secret_key, 'cancel', notification_id, reason)}"


def feedback_url(base_url: str, secret_key: str, notification_id: int, score: int) -> str:
    return f"{base_url}/m/feedback/{notification_id}/{score}/{sign(secret_key, 'feedback', notification_id, score)}"


def open_pixel_url(base_url: str, secret_key: str, notification_id: int) -> str:
    return f"{base_url}/m/open/{notification_id}/{sign(secret_key, 'open', notification_id)}.gif"


def click_url(base_url: str, secret_key: str, notification_id: int, target: str) -> str:
    signature = sign(secret_key, "click", notification_id, target)
    return f"{base_url}/m/click/{notification_id}/{signature}?u={quote(target, safe='')}"


def same_site(url: str, allowed_bases: list[str]) -> bool:
    """True when `url` is http(s) on the host of one of `allowed_bases` (our tracking site or the shop's own)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    hosts = {urlsplit(base).hostname for base in allowed_bases if base}
    return parts.hostname in hosts
