"""Security headers on every response: strict CSP with a per-request nonce, no referrer, no sniffing, framing only
by the shop's own origins (a handler puts `frame_ancestors` in the scope), and no caching or indexing of pages."""

from __future__ import annotations

import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNCACHED_EXCEPT = ("/static/",)
ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


def frame_ancestors(setting: str) -> str:
    """The shop's space-separated https origins, or 'none' when it names none (or only bad ones)."""
    origins = [o for o in (setting or "").split() if ORIGIN.match(o)]
    return " ".join(origins) if origins else "'none'"


def policy(nonce: str, ancestors: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' https: data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"object-src 'none'; frame-ancestors {ancestors}"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope["csp_nonce"] = nonce
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ancestors = frame_ancestors(scope.get("frame_ancestors", ""))
                headers = message.setdefault("headers", [])
                headers.extend(
                    [
                        (b"content-security-policy", policy(nonce, ancestors).encode()),
                        (b"referrer-policy", b"no-referrer"),
                        (b"x-content-type-options", b"nosniff"),
                    ]
                )
                if ancestors == "'none'":
                    headers.append((b"x-frame-options", b"DENY"))
                if not path.startswith(UNCACHED_EXCEPT):
                    headers.append((b"cache-control", b"no-store"))
                    headers.append((b"x-robots-tag", b"noindex, nofollow"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
