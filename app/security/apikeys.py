"""Merchant API keys: 256-bit random with a visible prefix, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "otk_"


def new_api_key() -> tuple[str, str, str]:
    """(key to show once, display prefix, hash to store)."""
    key = PREFIX + secrets.token_urlsafe(32)
    return key, key[:12], hash_api_key(key)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
