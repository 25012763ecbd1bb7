"""API keys: create (shown once), name, last used, revoke."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading, writing
from app.models import ApiKey
from app.security.apikeys import new_api_key
from app.web.console.framework import aware_rows, engine_of, not_found, now_utc, page, render

K = ApiKey.__table__.c


async def _keys(request: Request) -> list[Any]:
    query = (
        select(K.id, K.name, K.prefix, K.created_at, K.last_used_at, K.revoked_at)
        .where(K.merchant_id == request.state.user.merchant_id)
        .order_by(K.revoked_at.is_not(None), K.created_at.desc())
    )
    async with reading(engine_of(request)) as conn:
        return aware_rows((await conn.execute(query)).all())


async def _page(request: Request, *, new_key: str = "", name: str = "", error: str = "", status: int = 200) -> Response:
    context = {"keys": await _keys(request), "new_key": new_key, "name": name, "error": error}
    return render(request, "console/apikeys.html", context, status_code=status)


@page()
async def list_keys(request: Request) -> Response:
    return await _page(request)


@page(owner_only=True)
async def create_key(request: Request) -> Response:
    form = await request.form()
    name = str(form.get("name", "")).strip()
    if not name or len(name) > 100:
        return await _page(request, name=name[:200], error="must be 1 to 100 characters", status=400)
    key, prefix, digest = new_api_key()
    async with writing(engine_of(request)) as conn:
        await conn.execute(
            ApiKey.__table__.insert().values(
                merchant_id=request.state.user.merchant_id,
                name=name,
                prefix=prefix,
                key_hash=digest,
                created_at=now_utc(),
            )
        )
    return await _page(request, new_key=key)


@page(owner_only=True)
async def revoke_key(request: Request) -> Response:
    key_id = request.path_params["key_id"]
    async with writing(engine_of(request)) as conn:
        done = await conn.execute(
            update(ApiKey.__table__)
            .where(K.id == key_id, K.merchant_id == request.state.user.merchant_id, K.revoked_at.is_(None))
            .values(revoked_at=now_utc())
        )
    if done.rowcount != 1:
        return not_found(request)
    return RedirectResponse("/console/api-keys", status_code=303)


routes: list[BaseRoute] = [
    Route("/api-keys", list_keys),
    Route("/api-keys", create_key, methods=["POST"]),
    Route("/api-keys/{key_id:int}/revoke", revoke_key, methods=["POST"]),
]
