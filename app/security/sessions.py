"""Console sessions kept server-side: the cookie holds 256 random bits, the table only their SHA-256.

A session ends after IDLE_TIMEOUT without a request or ABSOLUTE_TIMEOUT after sign-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import ConsoleSession, User

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
COOKIE = "ot_session"

S = ConsoleSession.__table__.c
U = User.__table__.c


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id_hash: str
    user_id: int
    merchant_id: int
    email: str
    role: str
    locale: str
    csrf_token: str
    last_seen_at: datetime


def hash_session_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def start_session(conn: AsyncConnection, *, user_id: int, merchant_id: int, now: datetime) -> str:
    """A new session for the user; returns the raw id for the cookie (never stored)."""
    raw = secrets.token_urlsafe(32)
    await conn.execute(
        ConsoleSession.__table__.insert().values(
            id_hash=hash_session_id(raw),
            user_id=user_id,
            merchant_id=merchant_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
        )
    )
    return raw


async def find_session(conn: AsyncConnection, raw: str, *, now: datetime) -> SessionInfo | None:
    """The live session behind a cookie value, or None (unknown, idle too long, past its end, user disabled)."""
    if not raw or len(raw) > 100:
        return None
    query = (
        select(S.id_hash, S.user_id, S.merchant_id, S.csrf_token, S.last_seen_at, S.expires_at, U.email, U.role)
        .add_columns(U.locale, U.disabled_at)
        .join(User.__table__, U.id == S.user_id)
        .where(S.id_hash == hash_session_id(raw), U.merchant_id == S.merchant_id)
    )
    row = (await conn.execute(query)).first()
    if row is None or row.disabled_at is not None:
        return None
    if aware(row.expires_at) <= now or now - aware(row.last_seen_at) >= IDLE_TIMEOUT:
        return None
    return SessionInfo(
        row.id_hash, row.user_id, row.merchant_id, row.email, row.role, row.locale, row.csrf_token, row.last_seen_at
    )


async def touch_session(conn: AsyncConnection, id_hash: str, *, now: datetime) -> None:
    await conn.execute(update(ConsoleSession.__table__).where(S.id_hash == id_hash).values(last_seen_at=now))


def needs_touch(info: SessionInfo, now: datetime) -> bool:
    return now - aware(info.last_seen_at) >= TOUCH_EVERY


async def end_session(conn: AsyncConnection, raw: str) -> None:
    await conn.execute(delete(ConsoleSession.__table__).where(S.id_hash == hash_session_id(raw)))


async def end_user_sessions(conn: AsyncConnection, user_id: int) -> None:
    """Sign a user out everywhere (password changed, user removed)."""
    await conn.execute(delete(ConsoleSession.__table__).where(S.user_id == user_id))


async def purge_expired(conn: AsyncConnection, *, now: datetime) -> None:
    await conn.execute(
        delete(ConsoleSession.__table__).where((S.expires_at <= now) | (S.last_seen_at <= now - IDLE_TIMEOUT))
    )


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
