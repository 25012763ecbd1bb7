"""Builds what a message says from the database: shop branding, order, shipment, items, latest scan, links."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.models import LineItem, Merchant, Order, Shipment, Suppression
from app.security.tokens import derive_token
from app.settings import Settings
from app.web.branding import branding
from carriers.registry import display_name
from notifications.base import EmailMessageSpec, SmsMessage
from notifications.copy import HEADLINES, INTROS, STATUS_LABELS
from notifications.render import render_email


@dataclass
class Loaded:
    merchants: dict[int, Any]
    orders: dict[int, Any]
    shipments: dict[int, Any]
    items: dict[int, list[Any]]
    suppressed: set[tuple[int, str, str]]


def _ids(rows: list[Any], attr: str) -> list[int]:
    return sorted({getattr(r, attr) for r in rows if getattr(r, attr) is not None})


async def load(engine: AsyncEngine, rows: list[Any]) -> Loaded:
    """Everything the claimed rows refer to, in one query per table."""
    ids = bindparam("ids", expanding=True)
    m, o, s, li, sup = (t.__table__ for t in (Merchant, Order, Shipment, LineItem, Suppression))
    async with reading(engine) as conn:

        async def fetch(table: Any, key: Any, values: list[int]) -> list[Any]:
            if not values:
                return []
            return list((await conn.execute(select(table).where(key.in_(ids)), {"ids": values})).all())

        merchants = {r.id: r for r in await fetch(m, m.c.id, _ids(rows, "merchant_id"))}
        orders = {r.id: r for r in await fetch(o, o.c.id, _ids(rows, "order_id"))}
        shipments = {r.id: r for r in await fetch(s, s.c.id, _ids(rows, "shipment_id"))}
        items: dict[int, list[Any]] = defaultdict(list)
        for item in await fetch(li, li.c.order_id, list(orders)):
            items[item.order_id].append(item)
        suppressed = {
            (r.merchant_id, r.channel, r.recipient)
            for r in await fetch(sup, sup.c.merchant_id, list(merchants))
            if any(r.recipient == row.recipient for row in rows)
        }
    return Loaded(merchants, orders, shipments, items, suppressed)


def unsubscribe_token(secret_key: str, merchant_id: int, channel: str, recipient: str) -> str:
    message = f"unsub:{merchant_id}:{channel}:{recipient.lower()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def context(row: Any, data: Loaded, settings: Settings) -> dict[str, Any]:
    merchant = data.merchants[row.merchant_id]
    order = data.orders[row.order_id]
    shipment = data.shipments.get(row.shipment_id) if row.shipment_id else None
    snapshot = row.context or {}
    token = derive_token(settings.secret_key, shipment.ref, shipment.token_version) if shipment else ""
    status = snapshot.get("status") or (shipment.status if shipment else "pending")
    estimate = shipment.estimate_latest if shipment else None
    unsub = unsubscribe_token(settings.secret_key, row.merchant_id, row.channel, row.recipient)
    return {
        "locale": order.locale or merchant.default_locale,
        "shop": branding(merchant),
        "order": {"number": order.number},
        "first_name": (order.customer_name or "").split(" ")[0],
        "trigger": row.trigger,
        "headline": HEADLINES.get(row.trigger, HEADLINES["shipped"]),
        "intro": INTROS.get(row.trigger, ""),
        "status_label": STATUS_LABELS.get(status, status),
        "latest": {"description": snapshot.get("description", ""), "location": snapshot.get("location", "")}
        if snapshot.get("description")
        else None,
        "estimate": estimate.isoformat() if estimate else "",
        "tracking_url": f"{settings.base_url}/t/{token}" if token else f"{settings.base_url}/{merchant.slug}/track",
        "tracking_number": shipment.tracking_number if shipment else "",
        "carrier_name": _carrier_name(shipment.carrier) if shipment else "",
        "items": [{"title": i.title, "quantity": i.quantity} for i in data.items.get(order.id, [])],
        "unsubscribe_url": f"{settings.base_url}/u/{row.merchant_id}/{row.channel}/{unsub}?r={row.id}",
    }


def _carrier_name(code: str) -> str:
    try:
        return display_name(code)
    except (KeyError, ModuleNotFoundError, AttributeError):
        return code


def email_spec(row: Any, ctx: dict[str, Any], data: Loaded, settings: Settings) -> EmailMessageSpec:
    merchant = data.merchants[row.merchant_id]
    rendered = render_email("shipment_update", ctx, ctx["locale"])
    domain = urlsplit(settings.base_url).hostname or "ordertrail.localhost"
    digest = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:16]
    return EmailMessageSpec(
        to=row.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sender=settings.mail_from,
        sender_name=merchant.sender_name or merchant.name,
        reply_to=merchant.support_email,
        message_id=f"<n{row.id}.{digest}@{domain}>",
        headers={
            "List-Unsubscribe": f"<{ctx['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def sms_message(row: Any, ctx: dict[str, Any], settings: Settings) -> SmsMessage:
    body = f"{ctx['shop']['name']}: {ctx['headline']}. {ctx['tracking_url']}"
    return SmsMessage(to=row.recipient, body=body, sender=settings.twilio_from_number)
