"""Public pages: the branded tracking page at /t/{token} and a neutral 404 for anything else."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.i18n import from_accept_language, pick
from app.web.branding import branding
from app.web.pages_data import by_token
from app.web.progress import ACTIONS, is_late, mask_postal, progress
from app.web.templating import render_page
from carriers.registry import display_name
from carriers.status import Status
from notifications.copy import STATUS_LABELS


def choose_locale(request: Request, *preferred: str | None) -> str:
    return pick(
        request.query_params.get("lang"), *preferred, from_accept_language(request.headers.get("accept-language", ""))
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def tracking_page(request: Request) -> Response:
    data = await by_token(request.app.state.runtime.engine, request.path_params["token"])
    if data is None:
        return not_found(request)
    ship, order, merchant = data.shipment, data.order, data.merchant
    status = Status(ship.status)
    zone = _zone(order.timezone or merchant.timezone)
    today = datetime.now(zone).date()
    locale = choose_locale(request, order.locale, merchant.default_locale)
    context = {
        "shop": branding(merchant),
        "zone": zone,
        "status": status.value,
        "status_label": STATUS_LABELS[status.value],
        "progress": progress(status),
        "action": ACTIONS.get(ship.substatus, "") if ship.action_required else "",
        "estimate": (ship.estimate_earliest, ship.estimate_latest) if ship.estimate_latest else None,
        "promised_by": order.promised_by,
        "late": is_late(status, ship.estimate_latest, order.promised_by, today),
        "delivered_at": ship.delivered_at,
        "signed_by": ship.signed_by,
        "events": data.events,
        "items": data.items,
        "order_number": order.number,
        "first_name": (order.customer_name or "").split(" ")[0],
        "destination": ", ".join(p for p in (order.city, mask_postal(order.postal_code)) if p),
        "carrier_name": display_name(ship.carrier),
        "tracking_number": ship.tracking_number,
        "updated_at": ship.updated_at,
    }
    return render_page(request, "pages/tracking.html", context, locale=locale)


def not_found(request: Request) -> Response:
    locale = choose_locale(request)
    return render_page(request, "pages/not_found.html", {}, locale=locale, status_code=404)


routes: list[BaseRoute] = [
    Route("/t/{token}", tracking_page),
]
