"""Branding settings with live preview of the tracking page and an email; logo upload and serving.

The previews render the real tracking-page and email templates with sample data and the values being edited.
They are shown in sandboxed `srcdoc` frames (no scripts run in them) under the console page's own CSP nonce.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import update
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import writing
from app.i18n import SUPPORTED
from app.merchants import parse_branding, slug_or_domain_taken
from app.models import LineItem, Merchant, Order, Shipment, TrackingEvent
from app.security.images import MAX_BYTES, LogoRejected, clean_logo, store_logo, stored_logo_path
from app.settings import ROOT
from app.web import branding as page_branding
from app.web.console.framework import MAX_UPLOAD_BYTES, engine_of, page, render

log = logging.getLogger(__name__)

UPLOADS = ROOT / "var" / "uploads" / "logos"
FONTS: dict[str, str] = getattr(page_branding, "FONTS", {"system": "", "serif": "", "mono": ""})
ZONES = frozenset(available_timezones())
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
)
EDITABLE = (
    "name",
    "slug",
    "website_url",
    "primary_color",
    "accent_color",
    "font",
    "support_email",
    "support_phone",
    "support_url",
    "support_chat_url",
    "return_policy_url",
    "announcement",
    "default_locale",
    "timezone",
    "custom_domain",
    "frame_ancestors",
    "header_links",
    "recommendations_enabled",
    "bought_together_enabled",
    "holdout_percent",
    "attribution_days",
)


def contrast_warning(primary: str, accent: str) -> str:
    """The page helper's wording when it has one, else our own WCAG check of the primary colour on white."""
    shared = getattr(page_branding, "contrast_warning", None)
    if shared is not None:
        return str(shared(primary, accent))
    if not (page_branding.HEX.match(primary or "") and page_branding.HEX.match(accent or "")):
        return ""
    ratio = page_branding.contrast(primary, "#ffffff")
    return f"primary colour {primary} has {ratio:.1f}:1 against white (needs 4.5:1)" if ratio < 4.5 else ""


def _parse(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    return parse_branding(form, fonts=FONTS, locales=SUPPORTED, zones=ZONES)


def _saved_values(merchant: Any) -> dict[str, Any]:
    return {name: getattr(merchant, name) for name in EDITABLE}


def _preview_merchant(merchant: Any, values: dict[str, Any], errors: dict[str, str]) -> SimpleNamespace:
    """The stored shop with every valid edited value laid over it (invalid ones keep the stored value)."""
    shop = dict(merchant._mapping)
    for name, value in values.items():
        if name not in errors and not any(key.startswith(name + ".") for key in errors):
            shop[name] = value
    return SimpleNamespace(**shop)


def _row(model: Any, **values: Any) -> SimpleNamespace:
    defaults = {k: f.get_default(call_default_factory=True) for k, f in model.model_fields.items()}
    return SimpleNamespace(**{**defaults, **values})


def _sample(merchant: Any) -> dict[str, Any]:
    """A made-up order in transit for the previews (never a real shopper's data)."""
    now = datetime.now(UTC).replace(microsecond=0)
    order = _row(
        Order,
        id=0,
        merchant_id=merchant.id,
        number="1001",
        customer_name="Alex Doe",
        city="Bordeaux",
        postal_code="33000",
        country="FR",
        locale="",
        timezone=merchant.timezone,
    )
    soon = date.today() + timedelta(days=2)
    shipment = _row(
        Shipment,
        id=0,
        merchant_id=merchant.id,
        order_id=0,
        carrier="sandbox",
        ref="0" * 32,
        tracking_number="SB0000PREVIEW",
        status="in_transit",
        shipped_at=now - timedelta(days=1),
        estimate_earliest=soon,
        estimate_latest=soon,
    )
    events = [
        _row(
            TrackingEvent,
            shipment_id=0,
            status="in_transit",
            occurred_at=now - timedelta(hours=3),
            description="Arrived at sorting centre",
            location="Lyon, FR",
        ),
        _row(
            TrackingEvent,
            shipment_id=0,
            status="info_received",
            occurred_at=now - timedelta(days=1),
            description="Label created",
            location="",
        ),
    ]
    items = [_row(LineItem, id=0, order_id=0, title="Stoneware vase", quantity=1)]
    return {"order": order, "shipment": shipment, "events": events, "items": items}


def preview_page_html(request: Request, merchant: Any, nonce: str) -> str:
    """The real tracking-page template for the sample order, branded with `merchant`."""
    from app.web.page_context import tracking_context, zone_named
    from app.web.page_estimate import Estimate
    from app.web.pages_data import TrackingData
    from app.web.templating import render_html

    sample = _sample(merchant)
    data = TrackingData(sample["shipment"], sample["order"], merchant, sample["items"], sample["events"])
    zone = zone_named(merchant.timezone)
    ship = sample["shipment"]
    context = tracking_context(
        data,
        secret_key=request.app.state.runtime.settings.secret_key,
        token="preview",
        estimate=Estimate("carrier", ship.estimate_earliest, ship.estimate_latest),
        recommended=[],
        today=datetime.now(zone).date(),
        locale=merchant.default_locale,
        zone=zone,
    )
    context.update({"lang_param": ""})
    return render_html("pages/tracking.html", context, locale=merchant.default_locale, nonce=nonce)


def preview_email_html(request: Request, merchant: Any, nonce: str) -> str:
    """The real 'shipped' email template for the sample order (styles left in a nonce'd <style>, not inlined)."""
    from app.notify import compose
    from notifications.render import environment

    sample = _sample(merchant)
    order, shipment = sample["order"], sample["shipment"]
    row = SimpleNamespace(
        id=0,
        merchant_id=merchant.id,
        order_id=0,
        shipment_id=0,
        trigger="shipped",
        channel="email",
        recipient="alex@example.com",
        dedupe_key="preview",
        context={"status": "in_transit"},
    )
    data = compose.Loaded(
        merchants={merchant.id: merchant},
        orders={0: order},
        shipments={0: shipment},
        items={0: sample["items"]},
        suppressed=set(),
    )
    context = compose.context(row, data, request.app.state.runtime.settings)
    html = environment(context["locale"]).get_template("email/shipped.html").render(context)
    return html.replace("<style>", f'<style nonce="{nonce}">')


def _previews(request: Request, shop: Any) -> dict[str, str]:
    nonce = request.scope.get("csp_nonce", "")
    previews = {}
    for kind, build in (("page", preview_page_html), ("email", preview_email_html)):
        try:
            previews[kind] = build(request, shop, nonce)
        except Exception:  # a preview must never take the settings page down with it
            log.exception("branding preview %s failed", kind)
            previews[kind] = ""
    return previews


def _form_context(request: Request, values: dict[str, Any], errors: dict[str, str], shop: Any) -> dict[str, Any]:
    links = list(values.get("header_links") or [])
    links += [{"label": "", "url": ""}] * (5 - len(links))
    zones = list(COMMON_ZONES) + ([values["timezone"]] if values.get("timezone") not in COMMON_ZONES else [])
    return {
        "values": values,
        "errors": errors,
        "links": links[:5],
        "fonts": list(FONTS),
        "locales": SUPPORTED,
        "zones": zones,
        "warning": contrast_warning(str(values.get("primary_color")), str(values.get("accent_color"))),
        "previews": _previews(request, shop),
        "saved": request.query_params.get("saved") == "1",
        "logo_error": "",
        "max_logo_mb": MAX_BYTES // (1024 * 1024),
    }


@page()
async def branding_page(request: Request) -> Response:
    merchant = request.state.merchant
    context = _form_context(request, _saved_values(merchant), {}, merchant)
    return render(request, "console/branding.html", context)


@page()
async def branding_submit(request: Request) -> Response:
    merchant = request.state.merchant
    form = await request.form()
    values, errors = _parse(form)
    if form.get("action") == "preview" or errors:
        shop = _preview_merchant(merchant, values, errors)
        status = 400 if errors and form.get("action") != "preview" else 200
        context = _form_context(request, values, errors, shop)
        return render(request, "console/branding.html", context, status_code=status)
    async with writing(engine_of(request)) as conn:
        if taken := await slug_or_domain_taken(conn, merchant.id, values):
            context = _form_context(request, values, taken, _preview_merchant(merchant, values, taken))
            return render(request, "console/branding.html", context, status_code=400)
        table = Merchant.__table__
        await conn.execute(update(table).where(table.c.id == merchant.id).values(**values))
    return RedirectResponse("/console/branding?saved=1", status_code=303)


@page()
async def branding_preview(request: Request) -> Response:
    """One preview as a document of its own (the page's script swaps it into the frame while editing)."""
    kind = request.path_params["kind"]
    if kind not in ("page", "email"):
        return HTMLResponse("", status_code=404)
    values, errors = _parse(request.query_params)
    shop = _preview_merchant(request.state.merchant, values, errors)
    build = preview_page_html if kind == "page" else preview_email_html
    return HTMLResponse(build(request, shop, request.scope.get("csp_nonce", "")))


@page()
async def upload_logo(request: Request) -> Response:
    merchant = request.state.merchant
    form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
    upload = form.get("logo")
    try:
        if not isinstance(upload, UploadFile):
            raise LogoRejected("choose a file to upload")
        data = await upload.read(MAX_BYTES + 1)
        logo = clean_logo(data)
    except LogoRejected as exc:
        context = _form_context(request, _saved_values(merchant), {}, merchant)
        context["logo_error"] = str(exc)
        return render(request, "console/branding.html", context, status_code=400)
    name = store_logo(UPLOADS, merchant.id, logo)
    async with writing(engine_of(request)) as conn:
        table = Merchant.__table__
        url = f"/console/media/{merchant.id}/{name}"
        await conn.execute(update(table).where(table.c.id == merchant.id).values(logo_url=url))
    return RedirectResponse("/console/branding?saved=1", status_code=303)


@page()
async def remove_logo(request: Request) -> Response:
    async with writing(engine_of(request)) as conn:
        table = Merchant.__table__
        await conn.execute(update(table).where(table.c.id == request.state.merchant.id).values(logo_url=""))
    return RedirectResponse("/console/branding?saved=1", status_code=303)


async def logo_file(request: Request) -> Response:
    """A shop's logo, public (the tracking page and emails show it), only ever a PNG we re-encoded ourselves."""
    path = stored_logo_path(UPLOADS, request.path_params["merchant_id"], request.path_params["name"])
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        Path(path),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "Content-Disposition": "inline"},
    )


routes: list[BaseRoute] = [
    Route("/branding", branding_page),
    Route("/branding", branding_submit, methods=["POST"]),
    Route("/branding/preview/{kind}", branding_preview),
    Route("/branding/logo", upload_logo, methods=["POST"]),
    Route("/branding/logo/remove", remove_logo, methods=["POST"]),
    Route("/media/{merchant_id:int}/{name}", logo_file),
]
