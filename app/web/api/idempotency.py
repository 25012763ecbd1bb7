"""Idempotent creates: the first successful answer to an `Idempotency-Key` is stored with the request's
fingerprint, in the same transaction as the create, and replayed for the same request for RETENTION."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.db import insert_for
from app.models import IdempotencyRecord
from app.web.api.errors import ApiError

RECORD = IdempotencyRecord.__table__
HEADER = "Idempotency-Key"
MAX_KEY = 255
RETENTION = timedelta(hours=24)  # long enough for any client's retries; a key older than this starts afresh


def key_of(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise ApiError(
            422,
            "validation failed",
            [{"field": HEADER, "reason": f"must be 1-{MAX_KEY} printable characters"}],
        )
    return key


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    """Same method, path and (normalised) body → same fingerprint."""
    content = json.dumps(body.model_dump(mode="json") if body else None, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{content}".encode()).hexdigest()


async def lookup(conn: AsyncConnection, merchant_id: int, key: str, digest: str, now: datetime) -> Response | None:
    """The stored answer to replay, None for a new (or expired) key; 422 when the key came with another request."""
    row = (
        await conn.execute(
            select(RECORD.c.id, RECORD.c.request_hash, RECORD.c.status_code, RECORD.c.body, RECORD.c.created_at).where(
                RECORD.c.merchant_id == merchant_id, RECORD.c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    if now - created > RETENTION:
        await conn.execute(delete(RECORD).where(RECORD.c.id == row.id))
        return None
    if row.request_hash != digest:
        raise ApiError(
            422,
            "Idempotency-Key was already used with a different request",
            [{"field": HEADER, "reason": "already used with a different method, path or body; use a new key"}],
        )
    headers = {"Idempotent-Replayed": "true"}
    if not row.body:
        return Response(status_code=row.status_code, headers=headers)
    return JSONResponse(json.loads(row.body), status_code=row.status_code, headers=headers)


async def remember(
    conn: AsyncConnection, merchant_id: int, key: str, digest: str, status: int, content: Any, now: datetime
) -> None:
    """Store the answer; 409 (and the create rolled back) when a concurrent request with the key got there first."""
    values = {
        "merchant_id": merchant_id,
        "key": key,
        "request_hash": digest,
        "status_code": status,
        "body": "" if content is None else json.dumps(content),
        "created_at": now,
    }
    statement = insert_for(conn, RECORD).values(values).on_conflict_do_nothing(index_elements=["merchant_id", "key"])
    if (await conn.execute(statement.returning(RECORD.c.id))).scalar() is None:
        raise ApiError(409, "a request with this Idempotency-Key is being processed; retry shortly")
