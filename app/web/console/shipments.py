"""Shipments: searchable list with filters and a detail page with events and messages."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.catalog.shipment_detail import revoke_link, shipment_detail, shopper_link
from app.catalog.shipment_search import STATUSES, ShipmentQuery, search_shipments
from app.db import reading, writing
from app.web.console.framework import engine_of, not_found, now_utc, page, render
from carriers.registry import CARRIER_CODES


def _query(request: Request) -> ShipmentQuery:
    params = request.query_params
    return ShipmentQuery(
        text=params.get("q", "").strip(),
        status=params.get("status", ""),
        carrier=params.get("carrier", ""),
        late=params.get("late") == "1",
        trouble=params.get("trouble") == "1",
        cursor=params.get("after", ""),
    )


def _page_link(query: ShipmentQuery, cursor: str) -> str:
    params = {"q": query.text, "status": query.status, "carrier": query.carrier, "after": cursor}
    params.update({"late": "1" if query.late else "", "trouble": "1" if query.trouble else ""})
    return "/console/shipments?" + urlencode({k: v for k, v in params.items() if v})


@page()
async def shipment_list(request: Request) -> Response:
    query = _query(request)
    errors = query.errors()
    context = {"query": query, "errors": errors, "statuses": STATUSES, "carriers": CARRIER_CODES}
    if errors:
        context.update(rows=[], next_link="", first_link="", truncated=False)
        return render(request, "console/shipments.html", context, 400)
    merchant = request.state.merchant
    async with reading(engine_of(request)) as conn:
        result = await search_shipments(conn, merchant_id=merchant.id, query=query, today=now_utc().date())
    next_link = _page_link(query, result.next_cursor) if result.next_cursor else ""
    first_link = _page_link(query, "") if query.cursor else ""
    context.update(rows=result.rows, next_link=next_link, first_link=first_link, truncated=result.truncated)
    return render(request, "console/shipments.html", context)


@page()
async def shipment_page(request: Request) -> Response:
    merchant_id = request.state.user.merchant_id
    async with reading(engine_of(request)) as conn:
        detail = await shipment_detail(conn, merchant_id=merchant_id, shipment_id=request.path_params["shipment_id"])
    if detail is None:
        return not_found(request)
    settings = request.app.state.runtime.settings
    context = {
        "detail": detail,
        "link": shopper_link(settings.base_url, settings.secret_key, detail.shipment),
        "revoked": request.query_params.get("revoked") == "1",
        "today": now_utc().date(),
        "is_late": _is_late(detail.shipment, now_utc()),
    }
    return render(request, "console/shipment_detail.html", context)


def _is_late(shipment: object, now: datetime) -> bool:
    latest = getattr(shipment, "estimate_latest", None)
    return bool(latest and latest < now.date() and getattr(shipment, "status", "") not in ("delivered", "returned"))


@page(owner_only=True)
async def revoke(request: Request) -> Response:
    shipment_id = request.path_params["shipment_id"]
    settings = request.app.state.runtime.settings
    async with writing(engine_of(request)) as conn:
        done = await revoke_link(
            conn, merchant_id=request.state.user.merchant_id, shipment_id=shipment_id, secret_key=settings.secret_key
        )
    if not done:
        return not_found(request)
    return RedirectResponse(f"/console/shipments/{shipment_id}?revoked=1", status_code=303)


routes: list[BaseRoute] = [
    Route("/shipments", shipment_list),
    Route("/shipments/{shipment_id:int}", shipment_page),
    Route("/shipments/{shipment_id:int}/revoke-link", revoke, methods=["POST"]),
]
