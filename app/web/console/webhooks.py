"""Outbound webhook endpoints (add, edit, remove; the secret shown once) and their delivery attempts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.integrations import endpoints
from app.integrations.ssrf import UrlPolicy
from app.web.console.framework import aware_rows, engine_of, not_found, now_utc, page, render


def _policy(request: Request) -> UrlPolicy:
    return UrlPolicy.from_settings(request.app.state.runtime.settings)


async def _page(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    new_secret: str = "",
    editing: int | None = None,
    status: int = 200,
) -> Response:
    merchant_id = request.state.user.merchant_id
    engine = engine_of(request)
    context = {
        "endpoints": aware_rows(await endpoints.list_endpoints(engine, merchant_id)),
        "attempts": aware_rows(await endpoints.recent_attempts(engine, merchant_id)),
        "event_types": endpoints.EVENT_TYPES,
        "form": form or {"url": "", "description": "", "events": list(endpoints.EVENT_TYPES), "enabled": True},
        "errors": errors or {},
        "new_secret": new_secret,
        "editing": editing,
    }
    return render(request, "console/webhooks.html", context, status_code=status)


async def _submitted(request: Request) -> tuple[endpoints.EndpointIn, dict[str, str], dict[str, Any]]:
    form = await request.form()
    data, errors = endpoints.parse_endpoint(form, [str(e) for e in form.getlist("events")], _policy(request))
    shown = {"url": data.url, "description": data.description, "events": data.events, "enabled": data.enabled}
    return data, errors, shown


@page()
async def list_endpoints(request: Request) -> Response:
    return await _page(request)


@page(owner_only=True)
async def add_endpoint(request: Request) -> Response:
    data, errors, shown = await _submitted(request)
    if errors:
        return await _page(request, form=shown, errors=errors, status=400)
    rt = request.app.state.runtime
    _, secret = await endpoints.create_endpoint(
        rt.engine, merchant_id=request.state.user.merchant_id, data=data, key=rt.credentials_key, now=now_utc()
    )
    return await _page(request, new_secret=secret)


@page(owner_only=True)
async def edit_form(request: Request) -> Response:
    found = await endpoints.get_endpoint(engine_of(request), request.state.user.merchant_id, request.path_params["id"])
    if found is None:
        return not_found(request)
    shown = {"url": found.url, "description": found.description, "events": found.events, "enabled": found.enabled}
    return await _page(request, form=shown, editing=found.id)


@page(owner_only=True)
async def save_endpoint(request: Request) -> Response:
    endpoint_id = request.path_params["id"]
    data, errors, shown = await _submitted(request)
    if errors:
        return await _page(request, form=shown, errors=errors, editing=endpoint_id, status=400)
    merchant_id = request.state.user.merchant_id
    engine = engine_of(request)
    if not await endpoints.update_endpoint(engine, merchant_id=merchant_id, endpoint_id=endpoint_id, data=data):
        return not_found(request)
    return RedirectResponse("/console/webhooks", status_code=303)


@page(owner_only=True)
async def remove_endpoint(request: Request) -> Response:
    merchant_id = request.state.user.merchant_id
    endpoint_id = request.path_params["id"]
    if not await endpoints.delete_endpoint(engine_of(request), merchant_id=merchant_id, endpoint_id=endpoint_id):
        return not_found(request)
    return RedirectResponse("/console/webhooks", status_code=303)


routes: list[BaseRoute] = [
    Route("/webhooks", list_endpoints),
    Route("/webhooks", add_endpoint, methods=["POST"]),
    Route("/webhooks/{id:int}/edit", edit_form),
    Route("/webhooks/{id:int}", save_endpoint, methods=["POST"]),
    Route("/webhooks/{id:int}/delete", remove_endpoint, methods=["POST"]),
]
