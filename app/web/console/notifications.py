"""Notification settings: triggers × channels, thresholds, quiet hours, senders, templates, save offers.

Owners change everything; staff see the page. Template previews and test-sends go through the engine's own
sandboxed override rendering (`app.notify.overrides`) with the engine's sample values (`app.notify.samples`).
A template that fails with the sample values is refused (400, error shown); one that fails later on a real
message keeps working on the default and shows its `last_error` here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import insert_for, reading, writing
from app.merchants import SettingsForm, url_problem
from app.models import Merchant, NotificationRule, SaveOffer, TemplateOverride
from app.notify.compose import SMS_UCS2_LIMIT
from app.notify.links import CANCEL_REASONS
from app.notify.overrides import VARIABLES, OverrideError, render_override
from app.notify.rules import CHANNELS, TRIGGERS, Switches, allowed, load_switches
from app.notify.samples import sample_context
from app.web.branding import branding
from app.web.console.framework import engine_of, not_found, page, render
from notifications.base import EmailMessageSpec, SmsMessage
from notifications.copy import CANCEL_REASONS as REASON_LABELS
from notifications.phone import PhoneNumberError, to_e164
from notifications.render import environment, render_email, render_sms, text_to_html

LOCALE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "ja": "日本語", "ru": "Русский"}
LOCALES = tuple(LOCALE_NAMES)
AUDIENCES = ("any", "first", "returning")
OFFER_KINDS = ("discount", "free_shipping", "priority_shipping", "similar_products", "swap", "contact")
MAX_BODY = 5000
BLANK_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
TEMPLATE = "console/notifications.html"
EDITOR = "console/notifications_template.html"
# Console names of the engine's triggers (the list itself is app.notify.rules.TRIGGERS).
TRIGGER_LABELS = {
    "order_confirmed": "Order confirmed",
    "not_shipped": "Not shipped yet",
    "shipped": "Shipped",
    "out_for_delivery": "Out for delivery",
    "available_for_pickup": "Available for pickup",
    "failed_attempt": "Failed delivery attempt",
    "exception": "Delivery problem",
    "delayed": "Delayed",
    "estimate_changed": "Delivery estimate changed",
    "delivered": "Delivered",
    "returned": "Returned to sender",
    "order_cancelled": "Order cancelled",
    "feedback_request": "Feedback request",
}
NUMBERS = (
    ("not_shipped_days", 1, 60),
    ("delay_hours", 6, 720),
    ("feedback_days", 1, 60),
    ("coalesce_minutes", 0, 240),
    ("daily_message_cap", 1, 1_000_000),
)
SETTINGS = (
    *(name for name, _, _ in NUMBERS),
    "quiet_hours_start",
    "quiet_hours_end",
    "sender_name",
    "reply_to",
    "sms_from_number",
)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(f: SettingsForm, name: str) -> None:
    raw = f.text(name, limit=5)
    hours, _, mins = raw.partition(":")
    if not (hours.isdigit() and mins.isdigit() and len(mins) == 2 and int(hours) < 24 and int(mins) < 60):
        f.errors[name] = "must be a time of day as HH:MM, e.g. 08:00"
    else:
        f.values[name] = int(hours) * 60 + int(mins)


def parse_settings(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Merchant column values and per-field reasons from the settings form."""
    f = SettingsForm(form)
    for name, low, high in NUMBERS:
        f.number(name, low, high)
    _minutes(f, "quiet_hours_start")
    _minutes(f, "quiet_hours_end")
    window = (f.values["quiet_hours_start"], f.values["quiet_hours_end"])
    if not f.errors.keys() & {"quiet_hours_start", "quiet_hours_end"} and window[0] == window[1]:
        f.errors["quiet_hours_end"] = "must differ from the start of the sending window"
    f.text("sender_name", limit=100)
    reply_to = f.text("reply_to", limit=254)
    if reply_to and "reply_to" not in f.errors:
        try:
            f.values["reply_to"] = validate_email(reply_to, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            f.errors["reply_to"] = str(exc)
    number = f.text("sms_from_number", limit=20)
    if number and "sms_from_number" not in f.errors:
        if not number.startswith("+"):
            f.errors["sms_from_number"] = "must be in international E.164 form starting with +, e.g. +14155550100"
        else:
            try:
                f.values["sms_from_number"] = to_e164(number)
            except PhoneNumberError as exc:
                f.errors["sms_from_number"] = str(exc)
    return f.values, f.errors


def parse_offers(form: Any) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Per reason: kind, code, url, message ('' kind = no offer); errors keyed `offer.<reason>.<field>`."""
    offers: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for reason in CANCEL_REASONS:
        f = SettingsForm({k.removeprefix(f"{reason}."): v for k, v in form.items() if k.startswith(f"{reason}.")})
        kind = f.text("kind", limit=24)
        code, url, message = f.text("code", limit=64), f.text("url", limit=500), f.text("message", limit=500)
        if kind and kind not in OFFER_KINDS:
            f.errors["kind"] = "is not one of the offered choices"
        problem = url_problem(url) or (None if url.startswith("https://") else "must start with https://")
        if url and "url" not in f.errors and problem:
            f.errors["url"] = problem
        if kind == "discount" and not code:
            f.errors["code"] = "is required for a discount offer"
        if kind in ("similar_products", "swap", "contact") and not url:
            f.errors["url"] = "is required for this kind of offer"
        offers[reason] = {"kind": kind, "code": code, "url": url, "message": message}
        errors.update({f"offer.{reason}.{name}": why for name, why in f.errors.items()})
    return offers, errors


async def _load(request: Request) -> dict[str, Any]:
    merchant_id = request.state.merchant.id
    ov, so = TemplateOverride.__table__, SaveOffer.__table__
    async with reading(engine_of(request)) as conn:
        switches = (await load_switches(conn, [merchant_id]))[merchant_id]
        overrides = (await conn.execute(select(ov).where(ov.c.merchant_id == merchant_id).order_by(ov.c.id))).all()
        offers = {r.reason: r for r in await conn.execute(select(so).where(so.c.merchant_id == merchant_id))}
    return {"switches": switches, "overrides": overrides, "offer_rows": offers}


def _saved_settings(merchant: Any) -> dict[str, Any]:
    values = {name: getattr(merchant, name) for name in SETTINGS}
    values["quiet_hours_start"] = hhmm(merchant.quiet_hours_start)
    values["quiet_hours_end"] = hhmm(merchant.quiet_hours_end)
    return values


def _offer_values(rows: dict[str, Any]) -> dict[str, dict[str, str]]:
    empty = {"kind": "", "code": "", "url": "", "message": ""}
    return {r: ({k: getattr(rows[r], k) for k in empty} if r in rows else dict(empty)) for r in CANCEL_REASONS}


async def _page(request: Request, status: int = 200, **given: Any) -> Response:
    loaded = await _load(request)
    switches: Switches = given.pop("switches", None) or loaded["switches"]
    context = {
        "triggers": [(t, TRIGGER_LABELS.get(t, t)) for t in TRIGGERS],
        "channels": CHANNELS,
        "allowed": allowed,
        "switches": switches,
        "overrides": loaded["overrides"],
        "trigger_labels": TRIGGER_LABELS,
        "locales": LOCALES,
        "audiences": AUDIENCES,
        "settings": given.pop("settings", None) or _saved_settings(request.state.merchant),
        "offers": given.pop("offers", None) or _offer_values(loaded["offer_rows"]),
        "reasons": [(r, REASON_LABELS.get(r, r)) for r in CANCEL_REASONS],
        "offer_kinds": OFFER_KINDS,
        "errors": {},
        "saved": request.query_params.get("saved", ""),
        **given,
    }
    return render(request, TEMPLATE, context, status_code=status)


@page()
async def notifications_page(request: Request) -> Response:
    return await _page(request)


@page(owner_only=True)
async def save_switches(request: Request) -> Response:
    form = await request.form()
    rows = [
        {"merchant_id": request.state.merchant.id, "trigger": t, "channel": c, "enabled": form.get(f"{t}.{c}") == "on"}
        for t in TRIGGERS
        for c in CHANNELS
        if allowed(t, c)
    ]
    table = NotificationRule.__table__
    async with writing(engine_of(request)) as conn:
        stmt = insert_for(conn, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["merchant_id", "trigger", "channel"], set_={"enabled": stmt.excluded.enabled}
        )
        await conn.execute(stmt, rows)
    return RedirectResponse("/console/notifications?saved=switches", status_code=303)


@page(owner_only=True)
async def save_settings(request: Request) -> Response:
    values, errors = parse_settings(await request.form())
    if errors:
        return await _page(request, 400, settings=values, errors=errors)
    table = Merchant.__table__
    async with writing(engine_of(request)) as conn:
        await conn.execute(update(table).where(table.c.id == request.state.merchant.id).values(**values))
    return RedirectResponse("/console/notifications?saved=settings", status_code=303)


@page(owner_only=True)
async def save_offers(request: Request) -> Response:
    offers, errors = parse_offers(await request.form())
    if errors:
        return await _page(request, 400, offers=offers, errors=errors)
    merchant_id = request.state.merchant.id
    table = SaveOffer.__table__
    rows = [{"merchant_id": merchant_id, "reason": r, **o} for r, o in offers.items() if o["kind"]]
    async with writing(engine_of(request)) as conn:
        await conn.execute(delete(table).where(table.c.merchant_id == merchant_id))
        if rows:
            await conn.execute(table.insert(), rows)
    return RedirectResponse("/console/notifications?saved=offers", status_code=303)


# --- templates -------------------------------------------------------------------------------------------------


def _draft(source: Any) -> dict[str, str]:
    """The template key and text from a form, the query string or a saved row."""
    get = source.get if hasattr(source, "get") else lambda k, d="": getattr(source, k, d)
    return {k: str(get(k, "") or "") for k in ("trigger", "channel", "locale", "audience", "subject", "body")}


def _key_errors(draft: dict[str, str]) -> dict[str, str]:
    errors = {}
    if draft["trigger"] not in TRIGGERS:
        errors["trigger"] = "is not one of the offered choices"
    if draft["channel"] not in CHANNELS:
        errors["channel"] = "is not one of the offered choices"
    elif draft["trigger"] in TRIGGERS and not allowed(draft["trigger"], draft["channel"]):
        errors["channel"] = "cannot carry this message (no offers or surveys by SMS)"
    if draft["locale"] not in LOCALES:
        errors["locale"] = "is not one of the offered choices"
    if draft["audience"] not in AUDIENCES:
        errors["audience"] = "is not one of the offered choices"
    return errors


def _text_errors(draft: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not draft["body"].strip():
        errors["body"] = "is required"
    elif len(draft["body"]) > MAX_BODY:
        errors["body"] = f"must be at most {MAX_BODY} characters (it has {len(draft['body'])})"
    if len(draft["subject"]) > 300:
        errors["subject"] = f"must be at most 300 characters (it has {len(draft['subject'])})"
    return errors


def _sample(request: Request, draft: dict[str, str]) -> dict[str, Any]:
    shop = branding(request.state.merchant)
    base_url = request.app.state.runtime.settings.base_url
    first = draft["audience"] != "returning"
    return sample_context(draft["trigger"], draft["locale"], shop, base_url=base_url, first_order=first)


def rendered_preview(request: Request, draft: dict[str, str]) -> dict[str, str]:
    """Subject, text, html (email) or SMS text of the draft with sample data; raises OverrideError."""
    ctx = _sample(request, draft)
    holder = type("Draft", (), {"id": 0, "subject": draft["subject"], "body": draft["body"]})()
    subject, body = render_override(holder, ctx)
    if draft["channel"] == "sms":
        try:
            text = render_sms(draft["trigger"], ctx, draft["locale"], ucs2_limit=SMS_UCS2_LIMIT, text=body)
        except ValueError as exc:
            raise OverrideError(0, str(exc)) from exc
        return {"subject": "", "text": text, "html": ""}
    own = {**ctx, "custom_html": text_to_html(body), "custom_text": body}
    custom = render_email(draft["trigger"], own, ctx["locale"])
    return {"subject": subject or custom.subject, "text": custom.text, "html": custom.html, "own": own}


def framed_email(request: Request, draft: dict[str, str], own: dict[str, Any]) -> str:
    """The email's HTML for the preview frame: styles left in a <style> carrying the console page's CSP nonce
    (the frame inherits the page's CSP, which refuses inlined style attributes)."""
    quiet = {**own, "open_pixel": BLANK_GIF}  # looking at a preview is not an open
    html = environment(draft["locale"]).get_template(f"email/{draft['trigger']}.html").render(quiet)
    return html.replace("<style>", f'<style nonce="{request.scope.get("csp_nonce", "")}">')


async def _existing(request: Request, draft: dict[str, str]) -> Any | None:
    table = TemplateOverride.__table__
    key = [getattr(table.c, k) == draft[k] for k in ("trigger", "channel", "locale", "audience")]
    async with reading(engine_of(request)) as conn:
        query = select(table).where(table.c.merchant_id == request.state.merchant.id, *key)
        return (await conn.execute(query)).first()


def _editor(request: Request, draft: dict[str, str], status: int = 200, **extra: Any) -> Response:
    context = {
        "draft": draft,
        "triggers": [(t, TRIGGER_LABELS.get(t, t)) for t in TRIGGERS],
        "channels": CHANNELS,
        "locale_options": [(code, LOCALE_NAMES[code]) for code in LOCALES],
        "variables": VARIABLES,
        "errors": {},
        "preview": None,
        "framed": "",
        "template_error": "",
        "sent": "",
        "send_error": "",
        "saved_row": None,
        "phone": "",
        "saved": False,
        **extra,
    }
    return render(request, EDITOR, context, status_code=status)


@page()
async def template_editor(request: Request) -> Response:
    """The editor for one trigger/channel/language/audience, filled from the saved override if there is one."""
    draft = _draft(request.query_params)
    draft["audience"] = draft["audience"] or "any"
    if errors := _key_errors(draft):
        return _editor(request, draft, 400, errors=errors)
    row = await _existing(request, draft)
    if row is not None:
        draft.update(subject=row.subject, body=row.body)
    return _editor(request, draft, saved_row=row, saved=request.query_params.get("saved") == "1")


@page(owner_only=True)
async def template_submit(request: Request) -> Response:
    form = await request.form()
    draft, action = _draft(form), str(form.get("action", "preview"))
    row = await _existing(request, draft) if not _key_errors(draft) else None
    errors = _key_errors(draft) or _text_errors(draft)
    if errors:
        return _editor(request, draft, 400, errors=errors, saved_row=row)
    try:
        preview = rendered_preview(request, draft)
    except OverrideError as exc:
        return _editor(request, draft, 400, template_error=exc.message, saved_row=row)
    if action == "save":
        await _save_override(request, draft)
        query = "&".join(f"{k}={draft[k]}" for k in ("trigger", "channel", "locale", "audience"))
        return RedirectResponse(f"/console/notifications/template?{query}&saved=1", status_code=303)
    own = preview.pop("own", None)
    if action == "test":
        return await _test_send(request, draft, preview, str(form.get("phone", "")), row)
    framed = framed_email(request, draft, own) if own is not None else ""
    return _editor(request, draft, preview=preview, framed=framed, saved_row=row)


async def _save_override(request: Request, draft: dict[str, str]) -> None:
    table = TemplateOverride.__table__
    subject = draft["subject"] if draft["channel"] == "email" else ""
    values = {"subject": subject, "body": draft["body"], "last_error": "", "last_error_at": None}
    row = {"merchant_id": request.state.merchant.id, **{k: draft[k] for k in ("trigger", "channel", "locale")}}
    async with writing(engine_of(request)) as conn:
        now = datetime.now(UTC)
        stmt = insert_for(conn, table).values(**row, audience=draft["audience"], updated_at=now, **values)
        keys = ["merchant_id", "trigger", "channel", "locale", "audience"]
        await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_={**values, "updated_at": now}))


async def _test_send(
    request: Request, draft: dict[str, str], preview: dict[str, str], phone: str, row: Any
) -> Response:
    runtime, merchant = request.app.state.runtime, request.state.merchant
    shown = {"preview": preview, "saved_row": row, "phone": phone}
    if draft["channel"] == "email":
        spec = EmailMessageSpec(
            to=request.state.user.email,
            subject=f"[Test] {preview['subject']}",
            text=preview["text"],
            html=preview["html"],
            sender=runtime.settings.mail_from,
            sender_name=merchant.sender_name or merchant.name,
            reply_to=merchant.reply_to or merchant.support_email,
        )
        channel = runtime.channels.get("email")
        if channel is None:
            return _editor(request, draft, 400, send_error="email is not configured on this installation", **shown)
        result = await channel.send(spec)
        target = request.state.user.email
    else:
        channel = runtime.channels.get("sms")
        if channel is None:
            return _editor(request, draft, 400, send_error="SMS is not configured on this installation", **shown)
        try:
            target = to_e164(phone) if phone.strip().startswith("+") else ""
        except PhoneNumberError as exc:
            return _editor(request, draft, 400, errors={"phone": str(exc)}, **shown)
        if not target:
            error = "must be in international E.164 form starting with +, e.g. +14155550100"
            return _editor(request, draft, 400, errors={"phone": error}, **shown)
        sender = merchant.sms_from_number or runtime.settings.twilio_from_number
        result = await channel.send(SmsMessage(to=target, body=preview["text"], sender=sender))
    if not result.ok:
        return _editor(request, draft, 502, send_error=result.error or "the provider refused the message", **shown)
    return _editor(request, draft, sent=target, **shown)


@page(owner_only=True)
async def delete_override(request: Request) -> Response:
    table = TemplateOverride.__table__
    mine = (table.c.id == request.path_params["override_id"], table.c.merchant_id == request.state.merchant.id)
    async with writing(engine_of(request)) as conn:
        gone = await conn.execute(delete(table).where(*mine))
    if gone.rowcount == 0:
        return not_found(request)
    return RedirectResponse("/console/notifications?saved=template_deleted", status_code=303)


routes: list[BaseRoute] = [
    Route("/notifications", notifications_page),
    Route("/notifications/switches", save_switches, methods=["POST"]),
    Route("/notifications/settings", save_settings, methods=["POST"]),
    Route("/notifications/offers", save_offers, methods=["POST"]),
    Route("/notifications/template", template_editor),
    Route("/notifications/template", template_submit, methods=["POST"]),
    Route("/notifications/templates/{override_id:int}/delete", delete_override, methods=["POST"]),
]
