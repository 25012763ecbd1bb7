"""Shopper answers from messages: the cancellation reason survey, the delivery feedback score, email open and
click tracking, and Twilio's SMS status callbacks and inbound STOP/START/HELP. Links are signed; nothing here
needs a login."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from sqlalchemy import delete, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import insert_for, reading, writing
from app.integrations.outbound import queue_event
from app.models import Merchant, MessageEvent, Notification, SaveOffer, Suppression, SurveyResponse
from app.notify import links
from app.web.branding import branding
from app.web.page_changes import order_page_changed
from app.web.public import choose_locale, not_found
from app.web.templating import render_page
from notifications.copy import CANCEL_REASONS
from notifications.twilio_webhooks import opt_keyword, parse_status_callback, verify_twilio_signature

N = Notification.__table__.c
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_COMMENT = 2000
SMS_EVENTS = {"sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
HELP_TEXT = "Shipping updates for your order. Reply STOP to stop texts, START to restart."


async def _notification(request: Request, nid: int) -> tuple[Any, Any] | None:
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        row = (await conn.execute(select(Notification.__table__).where(N.id == nid))).first()
        if row is None:
            return None
        merchant = (
            await conn.execute(select(Merchant.__table__).where(Merchant.__table__.c.id == row.merchant_id))
        ).first()
    return row, merchant


async def _event(request: Request, row: Any, kind: str, detail: str = "") -> None:
    values = {
        "merchant_id": row.merchant_id,
        "notification_id": row.id,
        "kind": kind,
        "detail": detail[:200],
        "created_at": datetime.now(UTC),
    }
    async with writing(request.app.state.runtime.engine) as conn:
        await conn.execute(MessageEvent.__table__.insert().values(values))


async def _answer(request: Request, row: Any, kind: str, **values: Any) -> None:
    now = datetime.now(UTC)
    base = {
        "merchant_id": row.merchant_id,
        "order_id": row.order_id,
        "shipment_id": row.shipment_id,
        "kind": kind,
        "source": "email",
        "created_at": now,
        "updated_at": now,
    }
    async with writing(request.app.state.runtime.engine) as conn:
        stmt = insert_for(conn, SurveyResponse.__table__).values({**base, **values})
        stmt = stmt.on_conflict_do_update(index_elements=["order_id", "kind"], set_={**values, "updated_at": now})
        answer_id = int((await conn.execute(stmt.returning(SurveyResponse.__table__.c.id))).scalar_one())
        if kind == "feedback":  # the page shows the rating; the shop's systems hear of it, in the same transaction
            await order_page_changed(conn, merchant_id=row.merchant_id, order_id=row.order_id, now=now)
            payload = {
                "feedback_id": answer_id,
                "order_id": row.order_id,
                "shipment_id": row.shipment_id,
                "rating": values.get("rating"),
                "comment": values.get("comment", ""),
                "source": "email",
            }
            await queue_event(
                conn,
                merchant_id=row.merchant_id,
                event_type="feedback.received",
                payload=payload,
                now=now,
                event_id=f"feedback.received:{answer_id}:{now.timestamp():.6f}",
            )


def _signed(request: Request, purpose: str, *parts: object) -> bool:
    key = request.app.state.runtime.settings.secret_key
    return links.verify(key, request.path_params["sig"], purpose, *parts)


async def cancel_reason(request: Request) -> Response:
    """GET asks the shopper to confirm the reason they clicked; only the POST records it and shows the shop's
    offer. Mail scanners open every link in a message: a GET that stored an answer would store all of them."""
    nid, reason = int(request.path_params["nid"]), request.path_params["reason"]
    found = await _notification(request, nid) if reason in links.CANCEL_REASONS else None
    if found is None or not _signed(request, "cancel", nid, reason) or found[0].trigger != "order_cancelled":
        return not_found(request)
    row, merchant = found
    context: dict[str, Any] = {
        "shop": branding(merchant),
        "reason": CANCEL_REASONS[reason],
        "offer": None,
        "action": str(request.url),
        "saved": request.method == "POST",
    }
    if request.method == "POST":
        await _answer(request, row, "cancel_reason", value=reason)
        await _event(request, row, "click", f"cancel_reason:{reason}")
        async with reading(request.app.state.runtime.engine) as conn:
            context["offer"] = (
                await conn.execute(
                    select(SaveOffer.__table__).where(
                        SaveOffer.__table__.c.merchant_id == row.merchant_id, SaveOffer.__table__.c.reason == reason
                    )
                )
            ).first()
    return render_page(
        request, "pages/survey_cancel.html", context, locale=choose_locale(request, merchant.default_locale)
    )


async def feedback(request: Request) -> Response:
    """GET shows the score the shopper clicked with a comment box; the POST records score and comment. Nothing is
    stored on GET, so a mail scanner opening all five score links leaves no answer behind."""
    nid, score = int(request.path_params["nid"]), int(request.path_params["score"])
    found = await _notification(request, nid) if score in links.SCORES else None
    if found is None or not _signed(request, "feedback", nid, score) or found[0].trigger != "feedback_request":
        return not_found(request)
    row, merchant = found
    locale = choose_locale(request, merchant.default_locale)
    context: dict[str, Any] = {"shop": branding(merchant), "score": score, "action": str(request.url), "saved": False}
    context.update(errors={}, comment="")
    if request.method == "POST":
        form = await request.form()
        comment = str(form.get("comment", "")).strip()
        context["comment"] = comment
        if len(comment) > MAX_COMMENT:
            context["errors"] = {"comment": f"comment: at most {MAX_COMMENT} characters ({len(comment)} given)"}
            return render_page(request, "pages/survey_feedback.html", context, status_code=422, locale=locale)
        await _answer(request, row, "feedback", rating=score, value=str(score), comment=comment)
        await _event(request, row, "click", f"feedback:{score}")
        context["saved"] = True
    return render_page(request, "pages/survey_feedback.html", context, locale=locale)


async def open_pixel(request: Request) -> Response:
    nid = int(request.path_params["nid"])
    found = await _notification(request, nid)
    if found is not None and _signed(request, "open", nid):
        await _event(request, found[0], "open")
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


async def click(request: Request) -> Response:
    nid, target = int(request.path_params["nid"]), request.query_params.get("u", "")
    found = await _notification(request, nid)
    if found is None or not _signed(request, "click", nid, target):
        return not_found(request)
    row, merchant = found
    settings = request.app.state.runtime.settings
    allowed = [settings.base_url, merchant.website_url, merchant.support_url, merchant.return_policy_url]
    if not links.same_site(target, allowed):
        return not_found(request)
    await _event(request, row, "click", target)
    return RedirectResponse(target, status_code=302)


async def _twilio_form(request: Request) -> dict[str, str] | None:
    """The form when X-Twilio-Signature matches our public URL for this endpoint, else None."""
    settings = request.app.state.runtime.settings
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = f"{settings.base_url}{request.url.path}"
    signature = request.headers.get("x-twilio-signature", "")
    return form if verify_twilio_signature(url, form, signature, settings.twilio_auth_token) else None


async def sms_status(request: Request) -> Response:
    form = await _twilio_form(request)
    if form is None:
        return Response("bad signature", status_code=403)
    try:
        sid, status, error_code = parse_status_callback(form)
    except ValueError as exc:
        return Response(str(exc), status_code=400)
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        row = (await conn.execute(select(Notification.__table__).where(N.provider_id == sid))).first()
    if row is not None and status in SMS_EVENTS:
        await _event(request, row, SMS_EVENTS[status], error_code or "")
        if error_code == "21610":
            await _suppress(rt.engine, [row.merchant_id], row.recipient, "sms_stop")
    return Response(status_code=204)


async def _suppress(engine: Any, merchant_ids: list[int], phone: str, reason: str) -> None:
    rows = [
        {"merchant_id": m, "channel": "sms", "recipient": phone, "reason": reason, "created_at": datetime.now(UTC)}
        for m in merchant_ids
    ]
    if rows:
        async with writing(engine) as conn:
            await conn.execute(insert_for(conn, Suppression.__table__).on_conflict_do_nothing(), rows)


async def sms_inbound(request: Request) -> Response:
    """STOP suppresses the number for every shop that texted it; START lifts that; HELP answers."""
    form = await _twilio_form(request)
    if form is None:
        return Response("bad signature", status_code=403)
    phone, keyword = form.get("From", ""), opt_keyword(form.get("Body", ""))
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        query = select(N.merchant_id).where(N.channel == "sms", N.recipient == phone).distinct()
        merchant_ids = list((await conn.execute(query)).scalars())
    reply = ""
    if keyword == "stop":
        await _suppress(rt.engine, merchant_ids, phone, "sms_stop")
    elif keyword == "start" and merchant_ids:
        table = Suppression.__table__
        async with writing(rt.engine) as conn:
            await conn.execute(
                delete(table).where(
                    table.c.channel == "sms", table.c.recipient == phone, table.c.merchant_id.in_(merchant_ids)
                )
            )
    elif keyword == "help":
        reply = f"<Message>{xml_escape(HELP_TEXT)}</Message>"
    twiml = f'<?xml version="1.0" encoding="UTF-8"?><Response>{reply}</Response>'
    return Response(twiml, media_type="application/xml")


routes: list[BaseRoute] = [
    Route("/m/cancel/{nid:int}/{reason}/{sig}", cancel_reason, methods=["GET", "POST"]),
    Route("/m/feedback/{nid:int}/{score:int}/{sig}", feedback, methods=["GET", "POST"]),
    Route("/m/open/{nid:int}/{sig}.gif", open_pixel, methods=["GET"]),
    Route("/m/click/{nid:int}/{sig}", click, methods=["GET"]),
    Route("/m/sms/status", sms_status, methods=["POST"]),
    Route("/m/sms/inbound", sms_inbound, methods=["POST"]),
]
