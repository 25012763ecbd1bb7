"""Webhook endpoints of a merchant: validated, stored with the signing secret sealed, listed with recent attempts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, writing
from app.integrations.signing import new_secret
from app.integrations.ssrf import UnsafeUrl, UrlPolicy, check_url
from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.security.crypto import seal, unseal

EVENT_TYPES = ("shipment.status_changed", "order.cancelled", "feedback.received", "change_request.created")
SEAL_LABEL = "webhook-endpoint"  # associated data beside the merchant id: a sealed secret is bound to its shop

EP = WebhookEndpoint.__table__.c
DL = WebhookDelivery.__table__.c
AT = WebhookAttempt.__table__.c


@dataclass(frozen=True)
class EndpointIn:
    url: str
    description: str
    events: list[str]
    enabled: bool


def parse_endpoint(
    form: Mapping[str, Any], events: Sequence[str], policy: UrlPolicy
) -> tuple[EndpointIn, dict[str, str]]:
    """The endpoint from form fields and the errors by field name (empty when valid)."""
    errors: dict[str, str] = {}
    url = str(form.get("url", "")).strip()
    try:
        check_url(url, policy)
    except UnsafeUrl as exc:
        errors["url"] = exc.reason
    description = str(form.get("description", "")).strip()
    if len(description) > 200:
        errors["description"] = "at most 200 characters"
    chosen = [e for e in EVENT_TYPES if e in events]
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        errors["events"] = f"unknown event type {unknown[0]!r}"
    elif not chosen:
        errors["events"] = "choose at least one event type"
    enabled = str(form.get("enabled", "")) in ("on", "true", "1")
    return EndpointIn(url, description, chosen, enabled), errors


def seal_secret(key: bytes, merchant_id: int, secret: str) -> bytes:
    return seal(key, merchant_id, SEAL_LABEL, {"secret": secret})


def unseal_secret(key: bytes, merchant_id: int, blob: bytes) -> str:
    return unseal(key, merchant_id, SEAL_LABEL, blob)["secret"]


async def create_endpoint(
    engine: AsyncEngine, *, merchant_id: int, data: EndpointIn, key: bytes, now: datetime
) -> tuple[int, str]:
    """(endpoint id, the signing secret): the secret is shown once and only kept sealed."""
    secret = new_secret()
    values = {
        "merchant_id": merchant_id,
        "url": data.url,
        "description": data.description,
        "events": data.events,
        "enabled": data.enabled,
        "secret": seal_secret(key, merchant_id, secret),
        "created_at": now,
    }
    async with writing(engine) as conn:
        endpoint_id = (await conn.execute(WebhookEndpoint.__table__.insert().values(values))).inserted_primary_key[0]
    return int(endpoint_id), secret


async def update_endpoint(engine: AsyncEngine, *, merchant_id: int, endpoint_id: int, data: EndpointIn) -> bool:
    stmt = (
        update(WebhookEndpoint.__table__)
        .where(EP.id == endpoint_id, EP.merchant_id == merchant_id)
        .values(url=data.url, description=data.description, events=data.events, enabled=data.enabled)
    )
    async with writing(engine) as conn:
        return bool((await conn.execute(stmt)).rowcount)


async def delete_endpoint(engine: AsyncEngine, *, merchant_id: int, endpoint_id: int) -> bool:
    """Remove the endpoint with its queued deliveries and their attempt log."""
    deliveries = select(DL.id).where(DL.endpoint_id == endpoint_id, DL.merchant_id == merchant_id)
    async with writing(engine) as conn:
        await conn.execute(delete(WebhookAttempt.__table__).where(AT.delivery_id.in_(deliveries)))
        await conn.execute(
            delete(WebhookDelivery.__table__).where(DL.endpoint_id == endpoint_id, DL.merchant_id == merchant_id)
        )
        result = await conn.execute(
            delete(WebhookEndpoint.__table__).where(EP.id == endpoint_id, EP.merchant_id == merchant_id)
        )
    return bool(result.rowcount)


async def list_endpoints(engine: AsyncEngine, merchant_id: int) -> list[Any]:
    query = (
        select(EP.id, EP.url, EP.description, EP.events, EP.enabled, EP.created_at)
        .where(EP.merchant_id == merchant_id)
        .order_by(EP.id)
    )
    async with reading(engine) as conn:
        return list((await conn.execute(query)).all())


async def get_endpoint(engine: AsyncEngine, merchant_id: int, endpoint_id: int) -> Any | None:
    query = select(EP.id, EP.url, EP.description, EP.events, EP.enabled).where(
        EP.id == endpoint_id, EP.merchant_id == merchant_id
    )
    async with reading(engine) as conn:
        return (await conn.execute(query)).first()


async def recent_attempts(engine: AsyncEngine, merchant_id: int, *, limit: int = 50) -> list[Any]:
    """The newest delivery attempts of the shop, with their delivery's event and state."""
    query = (
        select(
            AT.id,
            AT.started_at,
            AT.status_code,
            AT.error,
            AT.duration_ms,
            DL.event_id,
            DL.event_type,
            DL.state,
            DL.attempts,
            DL.next_attempt_at,
            EP.url,
        )
        .join(WebhookDelivery.__table__, DL.id == AT.delivery_id)
        .join(WebhookEndpoint.__table__, EP.id == DL.endpoint_id)
        .where(DL.merchant_id == merchant_id)
        .order_by(AT.id.desc())
        .limit(limit)
    )
    async with reading(engine) as conn:
        return list((await conn.execute(query)).all())
