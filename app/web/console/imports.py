"""Getting orders in from the console: CSV upload with its per-row report, and the Shopify connection."""

from __future__ import annotations

import re

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.integrations import csv_import, shopify_inbox
from app.web.console.framework import MAX_UPLOAD_BYTES, aware_rows, engine_of, not_found, page, render

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


async def _page(request: Request, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    merchant = request.state.merchant
    engine = engine_of(request)
    context = {
        "runs": aware_rows(await csv_import.recent_runs(engine, merchant.id)),
        "columns": csv_import.COLUMNS,
        "errors": errors or {},
        "shopify_domain": merchant.shopify_domain,
        "shopify_connected": merchant.shopify_secret is not None,
        "shopify_url": f"{request.app.state.runtime.settings.base_url}/webhooks/shopify/{merchant.id}",
        "inbox": aware_rows(await shopify_inbox.recent(engine, merchant.id)),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "console/imports.html", context, status_code=status)


@page()
async def show(request: Request) -> Response:
    return await _page(request)


@page(owner_only=True)
async def upload(request: Request) -> Response:
    form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _page(request, errors={"file": "choose a CSV file"}, status=400)
    rt = request.app.state.runtime
    report = await csv_import.import_csv(
        rt.engine,
        merchant_id=request.state.user.merchant_id,
        stream=file.file,
        filename=file.filename,
        secret_key=rt.settings.secret_key,
    )
    return RedirectResponse(f"/console/imports/{report.run_id}", status_code=303)


@page()
async def run_detail(request: Request) -> Response:
    run = await csv_import.get_run(engine_of(request), request.state.user.merchant_id, request.path_params["id"])
    if run is None:
        return not_found(request)
    return render(request, "console/imports_run.html", {"run": aware_rows([run])[0]})


@page(owner_only=True)
async def connect_shopify(request: Request) -> Response:
    form = await request.form()
    rt = request.app.state.runtime
    merchant_id = request.state.user.merchant_id
    if form.get("disconnect"):
        await shopify_inbox.disconnect_shop(rt.engine, merchant_id=merchant_id)
        return RedirectResponse("/console/imports", status_code=303)
    domain = str(form.get("domain", "")).strip().lower()
    secret = str(form.get("secret", "")).strip()
    errors: dict[str, str] = {}
    if not SHOP_DOMAIN.match(domain):
        errors["domain"] = "must look like your-shop.myshopify.com"
    if not secret and request.state.merchant.shopify_secret is None:
        errors["secret"] = "required: the app's client secret that signs webhooks"
    elif len(secret) > 200:
        errors["secret"] = "at most 200 characters"
    if errors:
        return await _page(request, errors=errors, status=400)
    key = rt.credentials_key
    await shopify_inbox.connect_shop(rt.engine, key, merchant_id=merchant_id, domain=domain, secret=secret)
    return RedirectResponse("/console/imports", status_code=303)


routes: list[BaseRoute] = [
    Route("/imports", show),
    Route("/imports", upload, methods=["POST"]),
    Route("/imports/{id:int}", run_detail),
    Route("/imports/shopify", connect_shopify, methods=["POST"]),
]
