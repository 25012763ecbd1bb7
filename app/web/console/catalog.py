"""Products and recommendation rules: catalogue CSV upload, manual rules, bought-together switch, preview."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.catalog.product_input import FIELDS, ProductInvalid, price_text, validate_product
from app.catalog.products import (
    count_products,
    external_id_taken,
    get_product,
    list_products,
    save_product,
    set_active,
    upsert_products,
)
from app.catalog.products_csv import CatalogueFileInvalid, parse_catalogue
from app.catalog.rules import RuleInvalid, create_rule, delete_rule, list_rules, move_rule
from app.db import reading, writing
from app.models import Order
from app.recommend import recommendations
from app.web.console.framework import engine_of, not_found, page, render

EMPTY_RULE = {"when_kind": "product", "when_value": "", "recommend": ""}


async def _preview(conn: Any, merchant_id: int, order_number: str) -> tuple[list[Any] | None, str]:
    """(recommendations, error) for the order with this number."""
    if not order_number:
        return None, ""
    orders = Order.__table__
    query = select(orders.c.id).where(orders.c.merchant_id == merchant_id, orders.c.number == order_number)
    order_id = (await conn.execute(query)).scalar()
    if order_id is None:
        return None, f"no order '{order_number}' in this shop"
    return await recommendations(conn, merchant_id=merchant_id, order_id=int(order_id), limit=4), ""


async def _catalog_page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    merchant_id = request.state.user.merchant_id
    search = request.query_params.get("search", "").strip()[:64]
    after = request.query_params.get("after", "")
    order_number = request.query_params.get("preview", "").strip()[:64]
    async with reading(engine_of(request)) as conn:
        products = await list_products(
            conn, merchant_id=merchant_id, search=search, after_id=int(after) if after.isdigit() else 0
        )
        total, active = await count_products(conn, merchant_id=merchant_id)
        rules = await list_rules(conn, merchant_id=merchant_id)
        preview, preview_error = await _preview(conn, merchant_id, order_number)
    context = {
        "products": products,
        "total": total,
        "active": active,
        "search": search,
        "more_after": products[-1].id if len(products) == 100 else 0,
        "rules": rules,
        "rule": EMPTY_RULE,
        "rule_errors": {},
        "report": None,
        "upload_error": "",
        "preview_order": order_number,
        "preview": preview,
        "preview_error": preview_error,
        "price_text": price_text,
        **extra,
    }
    return render(request, "console/catalog.html", context, status_code=status)


@page()
async def catalog(request: Request) -> Response:
    return await _catalog_page(request)


@page()
async def upload(request: Request) -> Response:
    form = await request.form()
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return await _catalog_page(request, upload_error="file: choose a CSV file to upload", status=400)
    try:
        parsed = parse_catalogue(await upload_file.read())
    except CatalogueFileInvalid as exc:
        return await _catalog_page(request, upload_error=f"file: {exc}", status=400)
    async with writing(engine_of(request)) as conn:
        summary = await upsert_products(conn, merchant_id=request.state.user.merchant_id, products=parsed.rows)
    report = {"summary": summary, "errors": parsed.errors, "filename": upload_file.filename}
    return await _catalog_page(request, report=report)


@page()
async def add_rule(request: Request) -> Response:
    form = await request.form()
    typed = {name: str(form.get(name, ""))[:100] for name in EMPTY_RULE}
    try:
        async with writing(engine_of(request)) as conn:
            await create_rule(conn, merchant_id=request.state.user.merchant_id, **typed)
    except RuleInvalid as exc:
        return await _catalog_page(request, rule=typed, rule_errors=exc.errors, status=400)
    return RedirectResponse("/console/catalog#rules", status_code=303)


@page()
async def remove_rule(request: Request) -> Response:
    async with writing(engine_of(request)) as conn:
        done = await delete_rule(
            conn, merchant_id=request.state.user.merchant_id, rule_id=request.path_params["rule_id"]
        )
    return RedirectResponse("/console/catalog#rules", status_code=303) if done else not_found(request)


@page()
async def reorder_rule(request: Request) -> Response:
    form = await request.form()
    step = -1 if form.get("direction") == "up" else 1
    async with writing(engine_of(request)) as conn:
        done = await move_rule(
            conn, merchant_id=request.state.user.merchant_id, rule_id=request.path_params["rule_id"], step=step
        )
    return RedirectResponse("/console/catalog#rules", status_code=303) if done else not_found(request)


def _typed_from(product: Any) -> dict[str, str]:
    typed = {name: str(getattr(product, name, "") or "") for name in FIELDS if name != "price"}
    typed["price"] = price_text(product.price_cents) if product.price_cents else ""
    typed["collections"] = product.collections.replace(",", ", ")
    return typed


@page()
async def product_page(request: Request) -> Response:
    merchant_id = request.state.user.merchant_id
    product_id = request.path_params["product_id"]
    async with reading(engine_of(request)) as conn:
        product = await get_product(conn, merchant_id=merchant_id, product_id=product_id)
    if product is None:
        return not_found(request)
    if request.method == "GET":
        context = {"product": product, "typed": _typed_from(product), "active": product.active, "errors": {}}
        return render(request, "console/catalog_product.html", context)
    form = await request.form()
    typed = {name: str(form.get(name, ""))[:600] for name in FIELDS}
    active = form.get("active") == "1"
    errors: dict[str, str] = {}
    try:
        values = validate_product(typed)
    except ProductInvalid as exc:
        errors = exc.errors
    async with writing(engine_of(request)) as conn:
        if not errors and await external_id_taken(
            conn, merchant_id=merchant_id, external_id=values.external_id, other_than=product_id
        ):
            errors = {"external_id": "another product already has this id"}
        if not errors:
            await save_product(conn, merchant_id=merchant_id, product_id=product_id, values=values, active=active)
    if errors:
        context = {"product": product, "typed": typed, "active": active, "errors": errors}
        return render(request, "console/catalog_product.html", context, status_code=400)
    return RedirectResponse("/console/catalog?saved=1", status_code=303)


@page()
async def product_active(request: Request) -> Response:
    form = await request.form()
    async with writing(engine_of(request)) as conn:
        done = await set_active(
            conn,
            merchant_id=request.state.user.merchant_id,
            product_id=request.path_params["product_id"],
            active=form.get("active") == "1",
        )
    return RedirectResponse("/console/catalog", status_code=303) if done else not_found(request)


routes: list[BaseRoute] = [
    Route("/catalog", catalog),
    Route("/catalog/upload", upload, methods=["POST"]),
    Route("/catalog/rules", add_rule, methods=["POST"]),
    Route("/catalog/rules/{rule_id:int}/delete", remove_rule, methods=["POST"]),
    Route("/catalog/rules/{rule_id:int}/move", reorder_rule, methods=["POST"]),
    Route("/catalog/products/{product_id:int}", product_page, methods=["GET", "POST"]),
    Route("/catalog/products/{product_id:int}/active", product_active, methods=["POST"]),
]
