"""Carrier credentials at rest: AES-GCM with the merchant and carrier as associated data.

The key comes from settings (`ORDERTRAIL_CREDENTIALS_KEY`, 32 bytes url-safe base64), never the
database; in development it is derived from the secret key so the demo needs no setup.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class CredentialsError(Exception):
    """Stored credentials could not be decrypted (wrong key, or moved to another merchant/carrier)."""


def key_from_settings(credentials_key: str, secret_key: str) -> bytes:
    if credentials_key:
        raw = base64.urlsafe_b64decode(credentials_key + "=" * (-len(credentials_key) % 4))
        if len(raw) != 32:
            raise ValueError("ORDERTRAIL_CREDENTIALS_KEY must decode to 32 bytes")
        return raw
    return hashlib.sha256(b"ordertrail-credentials:" + secret_key.encode()).digest()


def _aad(merchant_id: int, carrier: str) -> bytes:
    return f"{merchant_id}:{carrier}".encode()


def seal(key: bytes, merchant_id: int, carrier: str, credentials: dict[str, str]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(credentials, sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, _aad(merchant_id, carrier))


def unseal(key: bytes, merchant_id: int, carrier: str, blob: bytes) -> dict[str, str]:
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(merchant_id, carrier))
    except (InvalidTag, ValueError) as exc:
        raise CredentialsError("carrier credentials cannot be decrypted with the configured key") from exc
    return dict(json.loads(plain))
