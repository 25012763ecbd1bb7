"""Security headers on every response: strict CSP with a per-request nonce, no referrer, no sniffing."""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIXES = ("/t/", "/u/")


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
                headers = message.setdefault("headers", [])
                csp = (
                    f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
                    "img-src 'self' https: data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                    "object-src 'none'; frame-ancestors 'none'"
                )
                headers.extend(
                    [
                        (b"content-security-policy", csp.encode()),
                        (b"referrer-policy", b"no-referrer"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"x-frame-options", b"DENY"),
                    ]
                )
                if path.startswith(PUBLIC_PREFIXES):
                    headers.append((b"cache-control", b"no-store"))
                    headers.append((b"x-robots-tag", b"noindex, nofollow"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
