"""What the shopper can do from the tracking page: rate the delivery, opt in to SMS and pick a channel, and ask for a
change before the parcel ships. A rating and a request reach the shop's webhooks (`feedback.received`,
`change_request.created`); a request is also emailed to the shop after commit. Plain forms, 303 back to the page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

import phonenumbers
from sqlalchemy import update
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import writing
from app.ingest.feedback import FeedbackFields, record_feedback
from app.integrations.outbound import queue_event
from app.models import ChangeRequest, Order
from app.web.page_cache import memo_for
from app.web.page_changes import lapse_stored_pages, order_page_changed
from app.web.page_context import CHANGE_KINDS, can_request_change
from app.web.pages_data import TrackingData, by_token
from app.web.public import choose_locale, html_response, not_found, render_tracking
from notifications.base import EmailMessageSpec

log = logging.getLogger(__name__)
ORD, CR = Order.__table__, ChangeRequest.__table__
MAX_COMMENT = 2000


def _foreign_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", "")


def back_to_page(request: Request, anchor: str) -> RedirectResponse:
    memo_for(request.app.state).forget(request.path_params["token"])  # the shopper sees their change at once
    lang = request.query_params.get("lang")
    query = f"?{urlencode({'lang': lang})}" if lang else ""
    return RedirectResponse(f"/t/{request.path_params['token']}{query}#{anchor}", status_code=303)


async def _load(request: Request) -> TrackingData | None:
    return await by_token(request.app.state.runtime.engine, request.path_params["token"])


async def _with_errors(request: Request, data: TrackingData, errors: dict[str, str], form: dict[str, Any]) -> Response:
    locale = choose_locale(request, data.order.locale, data.merchant.default_locale)
    html, _ = await render_tracking(
        request, data, request.path_params["token"], locale, extra={"errors": errors, "form": form}
    )
    return html_response(request, html, status_code=422)


async def feedback(request: Request) -> Response:
    if _foreign_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    data = await _load(request)
    if data is None:
        return not_found(request)
    form = await request.form()
    raw_rating, comment = str(form.get("rating", "")), str(form.get("comment", "")).strip()
    errors: dict[str, str] = {}
    if data.shipment.status != "delivered":
        errors["rating"] = "Feedback opens once the parcel is delivered."
    elif raw_rating not in {"1", "2", "3", "4", "5"}:
        errors["rating"] = "Choose a rating from 1 to 5."
    if len(comment) > MAX_COMMENT:
        errors["comment"] = "The comment is too long (2000 characters at most)."
    if errors:
        return await _with_errors(request, data, errors, {"rating": raw_rating, "comment": comment})
    now = datetime.now(UTC)
    rating = FeedbackFields(rating=int(raw_rating), comment=comment)
    async with writing(request.app.state.runtime.engine) as conn:
        await record_feedback(
            conn,
            merchant_id=data.merchant.id,
            order_id=data.order.id,
            data=rating,
            source="page",
            now=now,
            shipment_id=data.shipment.id,
        )
    return back_to_page(request, "feedback")


def normalise_phone(raw: str, country: str) -> str | None:
    """E.164 for a valid number (national numbers read in the order's country), else None."""
    try:
        parsed = phonenumbers.parse(raw, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def sms_preferences(request: Request) -> Response:
    if _foreign_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    data = await _load(request)
    if data is None:
        return not_found(request)
    form = await request.form()
    channel = str(form.get("channel", "email"))
    raw_phone, consent = str(form.get("phone", "")).strip(), form.get("consent") == "yes"
    errors: dict[str, str] = {}
    if channel not in ("email", "sms"):
        errors["channel"] = "Choose email or SMS."
    phone = normalise_phone(raw_phone, data.order.country) if raw_phone else None
    if channel == "sms" and not raw_phone:
        errors["phone"] = "Enter a mobile number to get updates by SMS."
    elif raw_phone and phone is None:
        errors["phone"] = "This phone number is not valid. Include the country code, e.g. +33 6 12 34 56 78."
    if channel == "sms" and not consent:
        errors["consent"] = "Tick the box to agree to receive text messages."
    if errors:
        return await _with_errors(request, data, errors, {"channel": channel, "consent": consent})
    now = datetime.now(UTC)
    values: dict[str, Any] = {"preferred_channel": channel, "updated_at": now}
    if channel == "sms":
        values.update({"sms_opt_in": True, "sms_consent_at": now, "customer_phone": phone})
    else:
        values.update({"sms_opt_in": False})
    async with writing(request.app.state.runtime.engine) as conn:
        await conn.execute(
            update(ORD).where(ORD.c.id == data.order.id, ORD.c.merchant_id == data.merchant.id).values(values)
        )
        await lapse_stored_pages(conn, merchant_id=data.merchant.id, order_id=data.order.id, now=now)
    return back_to_page(request, "updates")


async def change_request(request: Request) -> Response:
    if _foreign_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    data = await _load(request)
    if data is None:
        return not_found(request)
    form = await request.form()
    kind, details = str(form.get("kind", "")), str(form.get("details", "")).strip()
    errors: dict[str, str] = {}
    if not can_request_change(data):
        errors["kind"] = "Your parcel is already with the carrier, so it can no longer be changed here."
    elif kind not in CHANGE_KINDS:
        errors["kind"] = "Choose what you would like to change."
    elif kind != "cancel" and not details:
        errors["details"] = "Tell us what to change."
    if len(details) > 1000:
        errors["details"] = "Keep it under 1000 characters."
    if errors:
        return await _with_errors(request, data, errors, {"kind": kind})
    now = datetime.now(UTC)
    async with writing(request.app.state.runtime.engine) as conn:
        made = await conn.execute(
            CR.insert()
            .values(
                merchant_id=data.merchant.id,
                order_id=data.order.id,
                shipment_id=data.shipment.id,
                kind=kind,
                details={"text": details},
                state="open",
                merchant_note="",
                created_at=now,
            )
            .returning(CR.c.id)
        )
        request_id = int(made.scalar_one())
        payload = {
            "request_id": request_id,
            "order_id": data.order.id,
            "order_number": data.order.number,
            "shipment_id": data.shipment.id,
            "kind": kind,
            "details": details,  # what the shopper typed for the shop, as the shop's email carries it
            "created_at": now.isoformat(),
        }
        event_id = f"change_request.created:{request_id}"
        await queue_event(
            conn,
            merchant_id=data.merchant.id,
            event_type="change_request.created",
            payload=payload,
            now=now,
            event_id=event_id,
        )
        await order_page_changed(conn, merchant_id=data.merchant.id, order_id=data.order.id, now=now)
    await _tell_merchant(request, data, kind, details)
    return back_to_page(request, "change")


KIND_WORDS = {"address": "change the delivery address", "swap": "swap size or colour", "cancel": "cancel the order"}


async def _tell_merchant(request: Request, data: TrackingData, kind: str, details: str) -> None:
    """Email the shop's support address; the request is already stored, so a failed send only loses the email."""
    rt = request.app.state.runtime
    channel = rt.channels.get("email")
    to = data.merchant.support_email
    if channel is None or not to:
        return
    number = data.order.number
    text = (
        f"The customer of order {number} asks to {KIND_WORDS[kind]}.\n\n"
        f"Their message:\n{details or '(none)'}\n\n"
        f"Tracking number: {data.shipment.tracking_number}\n"
        "Reply to the customer from your usual tools, then mark the request as done in the console.\n"
    )
    spec = EmailMessageSpec(
        to=to,
        subject=f"Order {number}: request to {KIND_WORDS[kind]}",
        text=text,
        html=f"<pre>{escape(text)}</pre>",
        sender=rt.settings.mail_from,
        sender_name="OrderTrail",
    )
    try:
        result = await channel.send(spec)
        if not result.ok:
            log.warning("change request email for order id %s not sent: %s", data.order.id, result.error)
    except Exception:
        log.exception("change request email for order id %s failed", data.order.id)


routes: list[BaseRoute] = [
    Route("/t/{token}/feedback", feedback, methods=["POST"]),
    Route("/t/{token}/sms", sms_preferences, methods=["POST"]),
    Route("/t/{token}/change", change_request, methods=["POST"]),
]
