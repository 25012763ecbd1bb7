"""The shop's lookup form (`/{shop}/track`, or `/track` on the shop's own domain): order number plus email or postal
code → 303 to the tracking page; a bare tracking number → the shipment without order details. One generic error for
every failure, compared in constant time, rate limited per address and per order."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading
from app.ratelimit import limiter_for
from app.security.tokens import derive_token
from app.web.branding import branding
from app.web.page_events import queue_for
from app.web.pages_data import (
    latest_shipment_of,
    merchant_by_domain,
    merchant_by_slug,
    orders_numbered,
    shipment_by_number,
)
from app.web.public import choose_locale, html_response, not_found, render_tracking, visitor
from app.web.templating import render_page

PER_IP = (30, 600)  # attempts, seconds
PER_ORDER = (8, 3600)
GENERIC_ERROR = "We could not find an order with these details. Check them and try again."
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."


def normal_order_number(value: str) -> str:
    return value.strip().lstrip("#").strip().upper()


def normal_email(value: str) -> str:
    return value.strip().casefold()


def normal_postal(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def contact_matches(order: Any, contact: str) -> bool:
    """Email or postal code, both compared in constant time (neither comparison is skipped)."""
    email_ok = hmac.compare_digest(normal_email(contact).encode(), normal_email(order.customer_email).encode())
    postal = normal_postal(contact)
    postal_ok = hmac.compare_digest(postal.encode(), normal_postal(order.postal_code).encode())
    return bool(contact.strip()) and ((email_ok and bool(order.customer_email)) or (postal_ok and bool(postal)))


async def _merchant(request: Request) -> Any | None:
    engine = request.app.state.runtime.engine
    if "shop" in request.path_params:
        return await merchant_by_slug(engine, request.path_params["shop"])
    host = request.headers.get("host", "").split(":")[0].lower()
    return await merchant_by_domain(engine, host)


def _form(request: Request, merchant: Any, *, error: str = "", status_code: int = 200, number: str = "") -> Response:
    locale = choose_locale(request, merchant.default_locale)
    context = {"shop": branding(merchant), "error": error, "number": number, "action": request.url.path}
    return render_page(request, "pages/lookup.html", context, locale=locale, status_code=status_code)


async def lookup(request: Request) -> Response:
    merchant = await _merchant(request)
    if merchant is None:
        return not_found(request)
    request.scope["frame_ancestors"] = merchant.frame_ancestors
    if request.method == "GET":
        return _form(request, merchant)
    form = await request.form()
    number, contact = str(form.get("number", ""))[:64], str(form.get("contact", ""))[:254]
    limiter = limiter_for(request.app.state, request.app.state.runtime.settings)
    ip = request.client.host if request.client else "?"
    ip_ok = await limiter.hit(f"lookup:ip:{ip}", limit=PER_IP[0], window=PER_IP[1])
    order_ok = await limiter.hit(
        f"lookup:order:{merchant.id}:{normal_order_number(number)}", limit=PER_ORDER[0], window=PER_ORDER[1]
    )
    if not (ip_ok and order_ok):
        return _form(request, merchant, error=TOO_MANY, status_code=429, number=number)
    if not contact.strip():
        return await _bare_number(request, merchant, number)
    target = await _find(request, merchant, number, contact)
    if target is None:
        return _form(request, merchant, error=GENERIC_ERROR, status_code=400, number=number)
    order_id, shipment_id, token = target
    queue_for(request.app.state, request.app.state.runtime.engine).record(
        merchant_id=merchant.id, kind="lookup", order_id=order_id, shipment_id=shipment_id, visitor=visitor(request)
    )
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/t/{token}" + (f"?lang={lang}" if lang else ""), status_code=303)


async def _find(request: Request, merchant: Any, number: str, contact: str) -> tuple[int, int, str] | None:
    stripped = number.strip().lstrip("#").strip()
    if not stripped:
        return None
    candidates = sorted({stripped, f"#{stripped}", stripped.upper(), f"#{stripped.upper()}"})
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        matched = [o for o in await orders_numbered(conn, merchant.id, candidates) if contact_matches(o, contact)]
        if not matched:
            return None
        shipment = await latest_shipment_of(conn, merchant.id, matched[0].id)
    if shipment is None:
        return None
    return matched[0].id, shipment.id, derive_token(rt.settings.secret_key, shipment.ref, shipment.token_version)


async def _bare_number(request: Request, merchant: Any, number: str) -> Response:
    cleaned = "".join(number.split()).upper()
    data = await shipment_by_number(request.app.state.runtime.engine, merchant.id, cleaned) if cleaned else None
    if data is None:
        return _form(request, merchant, error=GENERIC_ERROR, status_code=400, number=number)
    locale = choose_locale(request, merchant.default_locale)
    html, _ = await render_tracking(request, data, "", locale, limited=True)
    return html_response(request, html)


routes: list[BaseRoute] = [
    Route("/track", lookup, methods=["GET", "POST"]),
    Route("/{shop}/track", lookup, methods=["GET", "POST"]),
]
