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
    """Why the request looks cross-site, or None. Browsers send Origin on every unsafe request; when a client
    sends neither Origin nor Referer the CSRF token alone decides."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return "the request came from another site"
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
