"""Builds what a message says from the database: shop branding, order, shipment, items, latest scan, links."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_date
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.i18n import babel_locale, pick
from app.models import LineItem, Merchant, Order, Shipment, Suppression, TemplateOverride
from app.notify import links
from app.notify.overrides import OverrideError, render_override
from app.security.tokens import derive_token
from app.settings import Settings
from app.tracking.idlist import ids_param, in_ids
from app.web.branding import branding
from carriers.registry import display_name
from notifications.base import EmailMessageSpec, SmsMessage
from notifications.copy import (
    ACTIONS,
    CANCEL_REASONS,
    DELAY_REASONS,
    GENERIC_ACTION,
    HEADLINES,
    INTROS,
    STATUS_LABELS,
    WELCOME,
    WELCOME_TRIGGERS,
)
from notifications.prerender import PRERENDERED
from notifications.render import render_email, render_sms, text_to_html

SMS_UCS2_LIMIT = 134  # two UCS-2 segments: a Japanese or Russian sentence and a link do not fit in 70


@dataclass
class Loaded:
    merchants: dict[int, Any]
    orders: dict[int, Any]
    shipments: dict[int, Any]
    items: dict[int, list[Any]]
    suppressed: set[tuple[int, str, str]]
    overrides: dict[tuple[int, str, str, str, str], Any] = field(default_factory=dict)
    brands: dict[int, dict[str, Any]] = field(default_factory=dict)  # each shop's branding, worked out once

    def brand(self, merchant_id: int) -> dict[str, Any]:
        found = self.brands.get(merchant_id)
        if found is None:
            found = self.brands[merchant_id] = branding(self.merchants[merchant_id])
        return found


def _ids(rows: list[Any], attr: str) -> list[int]:
    return sorted({getattr(r, attr) for r in rows if getattr(r, attr) is not None})


async def load(engine: AsyncEngine, rows: list[Any]) -> Loaded:
    """Everything the claimed rows refer to, in one query per table."""
    ids = bindparam("ids", expanding=True)
    m, o, s, li, sup, ov = (t.__table__ for t in (Merchant, Order, Shipment, LineItem, Suppression, TemplateOverride))
    recipients = sorted({row.recipient for row in rows})
    async with reading(engine) as conn:

        async def fetch(table: Any, key: Any, values: list[Any], *where: Any) -> list[Any]:
            """Rows whose `key` is among `values`: ids as one array parameter (one statement text whatever their
            number, app/tracking/idlist.py), other values as an expanded list."""
            if not values:
                return []
            if all(isinstance(v, int) for v in values):
                condition, bound = in_ids(key, conn.dialect), ids_param(conn.dialect, values)
            else:
                condition, bound = key.in_(ids), values
            return list((await conn.execute(select(table).where(condition, *where), {"ids": bound})).all())

        merchant_ids = _ids(rows, "merchant_id")
        merchants = {r.id: r for r in await fetch(m, m.c.id, merchant_ids)}
        orders = {r.id: r for r in await fetch(o, o.c.id, _ids(rows, "order_id"))}
        shipments = {r.id: r for r in await fetch(s, s.c.id, _ids(rows, "shipment_id"))}
        items: dict[int, list[Any]] = defaultdict(list)
        for item in await fetch(li, li.c.order_id, list(orders)):
            items[item.order_id].append(item)
        suppressed = {
            (r.merchant_id, r.channel, r.recipient)
            for r in await fetch(sup, sup.c.recipient, recipients, sup.c.merchant_id.in_(merchant_ids))
        }
        overrides = {
            (r.merchant_id, r.trigger, r.channel, r.locale, r.audience): r
            for r in await fetch(ov, ov.c.merchant_id, merchant_ids)
        }
    return Loaded(merchants, orders, shipments, items, suppressed, overrides)


def unsubscribe_token(secret_key: str, merchant_id: int, channel: str, recipient: str) -> str:
    return links.sign(secret_key, "unsub", merchant_id, channel, recipient.lower())


def _day(value: str | date | None, locale: str, fmt: str = "full") -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format=fmt, locale=babel_locale(locale))


def _carrier_name(code: str) -> str:
    try:
        return display_name(code)
    except (KeyError, ModuleNotFoundError, AttributeError):
        return code


def _survey_links(row: Any, settings: Settings) -> dict[str, Any]:
    base, key = settings.base_url, settings.secret_key
    if row.trigger == "order_cancelled":
        return {"reasons": [(r, links.cancel_reason_url(base, key, row.id, r)) for r in links.CANCEL_REASONS]}
    if row.trigger == "feedback_request":
        return {"scores": [(s, links.feedback_url(base, key, row.id, s)) for s in links.SCORES]}
    return {}


def _click(row: Any, settings: Settings, url: str) -> str:
    return links.click_url(settings.base_url, settings.secret_key, row.id, url) if url else ""


def context(row: Any, data: Loaded, settings: Settings) -> dict[str, Any]:
    merchant = data.merchants[row.merchant_id]
    order = data.orders[row.order_id]
    shipment = data.shipments.get(row.shipment_id) if row.shipment_id else None
    snapshot = row.context or {}
    locale = pick(order.locale, merchant.default_locale)
    token = derive_token(settings.secret_key, shipment.ref, shipment.token_version) if shipment else ""
    status = snapshot.get("status") or (shipment.status if shipment else "pending")
    estimate = snapshot.get("estimate") or (shipment.estimate_latest if shipment else None)
    unsub = unsubscribe_token(settings.secret_key, row.merchant_id, row.channel, row.recipient)
    tracking_url = f"{settings.base_url}/t/{token}" if token else f"{settings.base_url}/{merchant.slug}/track"
    action = ""
    if row.trigger in ("exception", "failed_attempt"):
        action = ACTIONS.get(snapshot.get("substatus", ""), GENERIC_ACTION if snapshot.get("action_required") else "")
    return {
        "locale": locale,
        "shop": data.brand(row.merchant_id),
        "order": {"number": order.number},
        "first_name": (order.customer_name or "").split(" ")[0],
        "first_order": bool(order.first_order),
        "audience": "first" if order.first_order else "returning",
        "trigger": row.trigger,
        "headline": HEADLINES[row.trigger],
        "intro": INTROS[row.trigger],
        "action": action,
        "welcome": WELCOME["first" if order.first_order else "returning"] if row.trigger in WELCOME_TRIGGERS else "",
        "status_label": STATUS_LABELS.get(status, status),
        "latest": {"description": snapshot.get("description", ""), "location": snapshot.get("location", "")}
        if snapshot.get("description")
        else None,
        "estimate": _day(estimate, locale),
        "estimate_short": _day(estimate, locale, "medium"),
        "previous_estimate": _day(snapshot.get("previous"), locale),
        "new_date": _day(snapshot.get("new_date"), locale),
        "new_date_short": _day(snapshot.get("new_date"), locale, "medium"),
        "reason_labels": CANCEL_REASONS,
        "delay_reason": DELAY_REASONS.get(snapshot.get("reason", ""), ""),
        "tracking_url": tracking_url,
        # The tracking page counts its own views; the shop's links go through the signed click redirect.
        "tracking_link": tracking_url,
        "shop_link": _click(row, settings, merchant.website_url),
        "open_pixel": links.open_pixel_url(settings.base_url, settings.secret_key, row.id),
        "tracking_number": shipment.tracking_number if shipment else "",
        "carrier_name": _carrier_name(shipment.carrier) if shipment else "",
        "items": [
            {"title": i.title, "quantity": i.quantity, "url": _click(row, settings, i.product_url)}
            for i in data.items.get(order.id, [])
        ],
        "unsubscribe_url": f"{settings.base_url}/u/{row.merchant_id}/{row.channel}/{unsub}?r={row.id}",
        **_survey_links(row, settings),
    }


def override_for(row: Any, ctx: dict[str, Any], data: Loaded) -> Any | None:
    """The merchant's override for this message: its audience first, then 'any'."""
    for audience in (ctx["audience"], "any"):
        found = data.overrides.get((row.merchant_id, row.trigger, row.channel, ctx["locale"], audience))
        if found is not None:
            return found
    return None


def message_id(row: Any, settings: Settings) -> str:
    """Stable per outbox row: a resend after a crash carries the same Message-ID, so mail systems fold it."""
    domain = urlsplit(settings.base_url).hostname or "ordertrail.localhost"
    digest = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:16]
    return f"<n{row.id}.{digest}@{domain}>"


def email_spec(
    row: Any, ctx: dict[str, Any], data: Loaded, settings: Settings, errors: list[OverrideError] | None = None
) -> EmailMessageSpec:
    merchant = data.merchants[row.merchant_id]
    rendered = PRERENDERED.render_email(row.trigger, ctx, ctx["locale"])
    subject, text, html = rendered.subject, rendered.text, rendered.html
    override = override_for(row, ctx, data)
    if override is not None:
        try:
            custom_subject, body = render_override(override, ctx)
            custom_ctx = {**ctx, "custom_html": text_to_html(body), "custom_text": body}
            custom = render_email(row.trigger, custom_ctx, ctx["locale"])
            subject, text, html = custom_subject or subject, custom.text, custom.html
        except OverrideError as exc:
            if errors is not None:
                errors.append(exc)
    return EmailMessageSpec(
        to=row.recipient,
        subject=subject,
        text=text,
        html=html,
        sender=settings.mail_from,
        sender_name=merchant.sender_name or merchant.name,
        reply_to=merchant.reply_to or merchant.support_email,
        message_id=message_id(row, settings),
        headers={
            "List-Unsubscribe": f"<{ctx['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def sms_message(
    row: Any,
    ctx: dict[str, Any],
    data: Loaded,
    settings: Settings,
    errors: list[OverrideError] | None = None,
) -> SmsMessage:
    merchant = data.merchants[row.merchant_id]
    body = render_sms(row.trigger, ctx, ctx["locale"], ucs2_limit=SMS_UCS2_LIMIT)
    override = override_for(row, ctx, data)
    if override is not None:
        try:
            own = render_override(override, ctx)[1]
            body = render_sms(row.trigger, ctx, ctx["locale"], ucs2_limit=SMS_UCS2_LIMIT, text=own)
        except (OverrideError, ValueError) as exc:
            if errors is not None and isinstance(exc, OverrideError):
                errors.append(exc)
    callback = f"{settings.base_url}/m/sms/status"
    return SmsMessage(
        to=row.recipient,
        body=body,
        sender=merchant.sms_from_number or settings.twilio_from_number,
        status_callback=callback,
    )
