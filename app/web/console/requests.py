"""Shopper requests (address change, swap, cancel) and survey answers (cancellation reasons, feedback)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.catalog.shopper_requests import (
    KINDS,
    NEXT_STATES,
    STATES,
    RequestChangeInvalid,
    answer_request,
    list_requests,
    survey_summary,
)
from app.db import reading, writing
from app.web.console.framework import engine_of, not_found, page, render


async def _requests_page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    merchant_id = request.state.user.merchant_id
    state = request.query_params.get("state", "")
    kind = request.query_params.get("kind", "")
    state, kind = (state if state in STATES else ""), (kind if kind in KINDS else "")
    async with reading(engine_of(request)) as conn:
        rows = await list_requests(conn, merchant_id=merchant_id, state=state, kind=kind)
        summary = await survey_summary(conn, merchant_id=merchant_id)
    context = {
        "rows": rows,
        "state": state,
        "kind": kind,
        "states": STATES,
        "kinds": KINDS,
        "next_states": NEXT_STATES,
        "summary": summary,
        "failed_id": 0,
        "typed_note": "",
        "errors": {},
        **extra,
    }
    return render(request, "console/requests.html", context, status_code=status)


@page()
async def requests_page(request: Request) -> Response:
    return await _requests_page(request)


@page()
async def answer(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    form = await request.form()
    state, note = str(form.get("state", "")), str(form.get("note", ""))[:2000]
    try:
        async with writing(engine_of(request)) as conn:
            found = await answer_request(
                conn, merchant_id=request.state.user.merchant_id, request_id=request_id, state=state, note=note
            )
    except RequestChangeInvalid as exc:
        return await _requests_page(request, failed_id=request_id, typed_note=note, errors=exc.errors, status=400)
    if not found:
        return not_found(request)
    return RedirectResponse(f"/console/requests#request-{request_id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/requests", requests_page),
    Route("/requests/{request_id:int}", answer, methods=["POST"]),
]
