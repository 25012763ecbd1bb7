"""API-key authentication for /api/v1: the merchant a key belongs to, or a precise 401."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from starlette.requests import Request

from app.db import reading, writing
from app.models import ApiKey
from app.security.apikeys import PREFIX, hash_api_key

K = ApiKey.__table__.c
TOUCH_EVERY = timedelta(minutes=1)


class Unauthorized(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def presented_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key", "").strip()


async def authenticate(request: Request) -> int:
    """The merchant id of a valid, unrevoked key; raises Unauthorized saying what is wrong."""
    key = presented_key(request)
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    if not key.startswith(PREFIX):
        raise Unauthorized(f"malformed API key: keys start with '{PREFIX}'")
    engine = request.app.state.runtime.engine
    async with reading(engine) as conn:
        row = (
            await conn.execute(
                select(K.id, K.merchant_id, K.revoked_at, K.last_used_at).where(K.key_hash == hash_api_key(key))
            )
        ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key")
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        async with writing(engine) as conn:
            await conn.execute(update(ApiKey.__table__).where(K.id == row.id).values(last_used_at=now))
    return int(row.merchant_id)
