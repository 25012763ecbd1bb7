"""Public tracking-page tokens: 192 bits derived by HMAC from a shipment's random ref, looked up by hash.

Only the SHA-256 of a token is stored, yet the dispatcher can still put the link in a message because
the token is re-derived from the secret key. Bumping `token_version` revokes every link sent before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_ref() -> str:
    return secrets.token_hex(16)


def derive_token(secret_key: str, ref: str, version: int) -> str:
    digest = hmac.new(secret_key.encode(), f"track:{ref}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check so junk never reaches the database (32 url-safe base64 characters)."""
    return len(value) == 32 and all(c.isalnum() or c in "-_" for c in value)
