"""Cross-site request checks for the console: a per-session token on every form, and the Origin header."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def tokens_match(expected: str, presented: str | None) -> bool:
    return bool(expected) and bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())


def own_origin(request: Request) -> str:
    """scheme://host[:port] of this request as the browser addressed it."""
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def origin_problem(request: Request) -> str | None:
    """Why the request looks cross-site, or None. Browsers mark every request with Sec-Fetch-Site (which pages
    cannot forge); with `Referrer-Policy: no-referrer` they send `Origin: null` on form posts, so Sec-Fetch-Site
    decides when present, else Origin (then Referer) must be our own. A client sending none of them (not a
    browser) is left to the CSRF token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"the request came from another site ({site[:20]})"
    origin = request.headers.get("origin")
    if origin is not None:
        if origin.lower().rstrip("/") != own_origin(request):
            return f"the request came from another origin ({origin[:100]})"
        return None
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if f"{parts.scheme}://{parts.netloc}".lower() != own_origin(request):
            return "the request came from another origin"
    return None
