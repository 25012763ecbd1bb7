"""Shopify deliveries in: the shop's sealed secret, HMAC verified on the raw bytes, stored once per event id.

Shopify signs only the body, so freshness is judged from signed content: a delivery whose resource `updated_at`
(or `created_at`) is older than its retry window is refused as stale, and so is one whose `X-Shopify-Triggered-At`
is. Replays inside the window are duplicates of the event id or re-apply the same state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import insert_for, is_sqlite, reading, writing
from app.integrations.shopify_mapping import minimize
from app.models import Merchant, ShopifyInbox
from app.security.crypto import seal, unseal

SEAL_LABEL = "shopify"
MAX_AGE = timedelta(hours=6)  # Shopify retries failed deliveries for about 4 hours
MAX_SKEW = timedelta(minutes=10)
LEASE = timedelta(minutes=5)

MER = Merchant.__table__.c
IN = ShopifyInbox.__table__.c


@dataclass(frozen=True)
class ShopifyShop:
    merchant_id: int
    domain: str
    secret: str = field(repr=False)


def seal_secret(key: bytes, merchant_id: int, secret: str) -> bytes:
    return seal(key, merchant_id, SEAL_LABEL, {"secret": secret})


def unseal_secret(key: bytes, merchant_id: int, blob: bytes) -> str:
    return unseal(key, merchant_id, SEAL_LABEL, blob)["secret"]


def expected_hmac(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def signature_valid(secret: str, raw: bytes, presented: str) -> bool:
    """Constant-time comparison of the presented `X-Shopify-Hmac-SHA256` with the one computed on the raw body."""
    if not secret or not presented:
        return False
    return hmac.compare_digest(expected_hmac(secret, raw).encode(), presented.strip().encode())


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def staleness(raw: bytes, headers: Mapping[str, str], now: datetime) -> str:
    """Why a correctly signed delivery is too old (or dated in the future) to accept; "" when it is fresh."""
    triggered = _time(headers.get("x-shopify-triggered-at", ""))
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    signed = _time(body.get("updated_at") or body.get("created_at")) if isinstance(body, dict) else None
    for label, moment in (("X-Shopify-Triggered-At", triggered), ("the payload's updated_at", signed)):
        if moment is not None and now - moment > MAX_AGE:
            return f"{label} is older than {int(MAX_AGE.total_seconds() // 3600)} hours"
        if moment is not None and moment - now > MAX_SKEW:
            return f"{label} is in the future"
    return ""


async def shop_by_id(engine: AsyncEngine, key: bytes, merchant_id: int) -> ShopifyShop | None:
    """The shop's Shopify connection, or None when it has none. Raises CredentialsError if it cannot be unsealed."""
    return await _shop(engine, key, MER.id == merchant_id)


async def shop_by_domain(engine: AsyncEngine, key: bytes, domain: str) -> ShopifyShop | None:
    domain = domain.strip().lower()
    return await _shop(engine, key, func.lower(MER.shopify_domain) == domain) if domain else None


async def _shop(engine: AsyncEngine, key: bytes, where: Any) -> ShopifyShop | None:
    query = select(MER.id, MER.shopify_domain, MER.shopify_secret).where(where, MER.shopify_secret.is_not(None))
    async with reading(engine) as conn:
        row = (await conn.execute(query.order_by(MER.id).limit(1))).first()
    if row is None:
        return None
    return ShopifyShop(row.id, row.shopify_domain, unseal_secret(key, row.id, row.shopify_secret))


async def connect_shop(engine: AsyncEngine, key: bytes, *, merchant_id: int, domain: str, secret: str) -> None:
    """Set the shop's domain and, when given, a new secret (an empty `secret` keeps the stored one)."""
    values: dict[str, Any] = {"shopify_domain": domain.strip().lower()}
    if secret:
        values["shopify_secret"] = seal_secret(key, merchant_id, secret.strip())
    async with writing(engine) as conn:
        await conn.execute(update(Merchant.__table__).where(MER.id == merchant_id).values(values))


async def disconnect_shop(engine: AsyncEngine, *, merchant_id: int) -> None:
    async with writing(engine) as conn:
        stmt = update(Merchant.__table__).where(MER.id == merchant_id).values(shopify_domain="", shopify_secret=None)
        await conn.execute(stmt)


def event_id(headers: Mapping[str, str], raw: bytes) -> str:
    """Shopify's event id (same across redeliveries), else its webhook id, else a digest of the body."""
    for name in ("x-shopify-event-id", "x-shopify-webhook-id"):
        value = headers.get(name, "").strip()
        if 0 < len(value) <= 100:
            return value
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:64]


def stored_body(topic: str, raw: bytes) -> str:
    """The verified payload reduced to what processing reads; a body that is not JSON is kept as text to fail later."""
    try:
        return json.dumps(minimize(topic, json.loads(raw)), separators=(",", ":"))
    except ValueError:
        # PostgreSQL text cannot hold NUL, so it is replaced rather than failing the insert.
        return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


async def store(engine: AsyncEngine, shop: ShopifyShop, *, topic: str, event: str, raw: bytes, now: datetime) -> bool:
    """Insert the delivery unless this shop already has its event id; True when it is new."""
    values = {
        "merchant_id": shop.merchant_id,
        "event_id": event,
        "topic": topic,
        "body": stored_body(topic, raw),
        "received_at": now,
        "attempts": 0,
        "error": "",
    }
    async with writing(engine) as conn:
        stmt = insert_for(conn, ShopifyInbox.__table__).values(values)
        result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["merchant_id", "event_id"]))
    return bool(result.rowcount)


async def claim(engine: AsyncEngine, *, now: datetime, limit: int) -> list[Any]:
    """Up to `limit` unprocessed deliveries, oldest first, leased to the caller (attempts counted)."""
    pending = (
        select(IN.id)
        .where(IN.processed_at.is_(None), or_(IN.lease_until.is_(None), IN.lease_until <= now))
        .order_by(IN.id)
        .limit(limit)
    )
    if not is_sqlite(engine):
        pending = pending.with_for_update(skip_locked=True)
    by_ids = IN.id.in_(bindparam("ids", expanding=True))
    async with writing(engine) as conn:
        ids = list((await conn.execute(pending)).scalars())
        if not ids:
            return []
        await conn.execute(
            update(ShopifyInbox.__table__).where(by_ids).values(lease_until=now + LEASE, attempts=IN.attempts + 1),
            {"ids": ids},
        )
        query = select(IN.id, IN.merchant_id, IN.topic, IN.body, IN.attempts).where(by_ids).order_by(IN.id)
        return list((await conn.execute(query, {"ids": ids})).all())


async def recent(engine: AsyncEngine, merchant_id: int, *, limit: int = 30) -> list[Any]:
    query = (
        select(IN.id, IN.event_id, IN.topic, IN.received_at, IN.attempts, IN.processed_at, IN.error)
        .where(IN.merchant_id == merchant_id)
        .order_by(IN.id.desc())
        .limit(limit)
    )
    async with reading(engine) as conn:
        return list((await conn.execute(query)).all())
