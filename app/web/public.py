"""Public pages: the branded tracking page at /t/{token} (cached render, live version probe, recommendation clicks)
and a neutral 404 for anything else. Lookup and shopper actions live in page_lookup and page_actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading
from app.i18n import from_accept_language, pick
from app.models import Product
from app.web.page_cache import CachedPage, cache_for, memo_for, seen_for
from app.web.page_events import queue_for, visitor_of
from app.web.page_reads import page_reads
from app.web.page_render import render_tracking_html
from app.web.page_watch import shop_generation
from app.web.pages_data import (
    PageVersion,
    TrackingData,
    by_token,
    by_token_on,
    page_version,
    page_version_on,
    version_of,
)
from app.web.stored_pages import version_and_stored_on
from app.web.templating import NONCE_PLACEHOLDER, render_page

PR = Product.__table__


def choose_locale(request: Request, *preferred: str | None) -> str:
    """?lang= (the picker) → the order's language → the browser's → the shop's default → English."""
    query, rest = request.query_params.get("lang"), preferred[:-1] if preferred else ()
    shop_default = preferred[-1] if preferred else None
    return pick(query, *rest, from_accept_language(request.headers.get("accept-language", "")), shop_default)


def visitor(request: Request) -> str:
    ip = request.client.host if request.client else ""
    return visitor_of(request.app.state.runtime.settings.secret_key, ip, request.headers.get("user-agent", ""))


async def render_tracking(
    request: Request,
    data: TrackingData,
    token: str,
    locale: str,
    *,
    limited: bool = False,
    extra: dict[str, Any] | None = None,
) -> tuple[str, tuple[int, ...]]:
    """The page's HTML with a nonce placeholder, and the recommended product ids it shows."""
    lang_param = request.query_params.get("lang", "")
    state = request.app.state
    return await render_tracking_html(state, data, token, locale, lang_param=lang_param, limited=limited, extra=extra)


_PLACEHOLDER_BYTES = NONCE_PLACEHOLDER.encode()


def html_response(request: Request, html: str | bytes, status_code: int = 200) -> Response:
    """The page with this response's CSP nonce; a cached page is kept encoded, so it is never encoded again."""
    body = html.encode() if isinstance(html, str) else html
    nonce = request.scope.get("csp_nonce", "").encode()
    return Response(body.replace(_PLACEHOLDER_BYTES, nonce), status_code, media_type="text/html")


async def tracking_page(request: Request) -> Response:
    token = request.path_params["token"]
    state, rt = request.app.state, request.app.state.runtime
    memo, cache = memo_for(state), cache_for(state)
    version = memo.get(token)
    key = None if version is None else _page_key(request, version)
    entry = None if key is None else cache.get(key)
    if entry is None:  # something to read: one read block for all of it
        async with page_reads(rt.engine) as reads:
            version, key, entry, data = await _version_and_page(request, reads, token, version)
        if version is None or key is None:
            return not_found(request)
        if entry is None:
            if data is None:
                return not_found(request)
            extra = {"version": version.version}
            html, product_ids = await render_tracking(request, data, token, key.locale, extra=extra)
            entry = CachedPage(html.encode(), version.order_id, product_ids)
            cache.put(key, entry)
            seen_for(state).add(token)
    request.scope["frame_ancestors"] = version.frame_ancestors
    _count_view(request, version.merchant_id, version.order_id, version.shipment_id, entry.product_ids)
    return html_response(request, entry.html)


class PageKey(NamedTuple):
    """What a rendered page depends on: its version, the shop's catalogue and branding (a change in this process
    renders it afresh at once; one made elsewhere moves the shop's revision), the language and the picker's
    parameter."""

    shipment_id: int
    version: str
    shop_changes: int
    shop_revision: int
    locale: str
    lang_param: str


Found = tuple[PageVersion | None, PageKey | None, CachedPage | None, TrackingData | None]


async def _version_and_page(request: Request, reads: Any, token: str, version: PageVersion | None) -> Found:
    """The page's version and cache key, its cached rendering if any, else its data. A token not rendered lately
    cannot be in the cache: its data is read at once and its version taken from it (no version probe then)."""
    state = request.app.state
    if version is None and token not in seen_for(state):
        found = await version_and_stored_on(reads, token)
        if found is None:
            return None, None, None, None
        version, stored = found
        key = _page_key(request, version)
        entry = cache_for(state).get(key)
        if entry is None and stored is not None and stored.serves(version, key.locale, key.lang_param, _now()):
            entry = CachedPage(stored.body(), version.order_id, stored.product_ids)
            cache_for(state).put(key, entry)
            seen_for(state).add(token)
        if entry is not None:
            memo_for(state).put(token, version)
            return version, key, entry, None
        data = await by_token_on(reads, token)
        if data is None:
            return None, None, None, None
        version = version_of(data)  # the data's own (a change may have landed since the first statement)
        memo_for(state).put(token, version)
        key = _page_key(request, version)
        return version, key, cache_for(state).get(key), data
    if version is None:
        version = await memo_for(state).load(token, lambda: page_version_on(reads, token))
        if version is None:
            return None, None, None, None
    key = _page_key(request, version)
    entry = cache_for(state).get(key)
    return version, key, entry, None if entry is not None else await by_token_on(reads, token)


def _page_key(request: Request, version: PageVersion) -> PageKey:
    shop_changes = shop_generation(request.app.state.runtime.engine).value
    locale = choose_locale(request, version.order_locale, version.shop_locale)
    lang_param = request.query_params.get("lang", "")
    return PageKey(version.shipment_id, version.version, shop_changes, version.shop_revision, locale, lang_param)


def _now() -> datetime:
    return datetime.now(UTC)


def _count_view(request: Request, merchant_id: int, order_id: int, shipment_id: int, products: tuple[int, ...]) -> None:
    events = queue_for(request.app.state, request.app.state.runtime.engine)
    who, now = visitor(request), datetime.now(UTC)
    events.record(merchant_id=merchant_id, kind="view", order_id=order_id, shipment_id=shipment_id, visitor=who, at=now)
    for product_id in products:
        events.record(
            merchant_id=merchant_id,
            kind="rec_impression",
            order_id=order_id,
            shipment_id=shipment_id,
            product_id=product_id,
            visitor=who,
            at=now,
        )


async def live_version(request: Request) -> Response:
    """A few bytes the page's script polls: when `v` changes, it fetches the page again."""
    version = await page_version(request.app.state.runtime.engine, request.path_params["token"])
    if version is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"v": version.version})


def same_site(url: str, website_url: str) -> bool:
    """Only the shop's own pages: http(s) on the very host of the shop's website."""
    target, shop = urlsplit(url), urlsplit(website_url)
    return target.scheme in ("http", "https") and bool(shop.hostname) and target.hostname == shop.hostname


async def recommendation_click(request: Request) -> Response:
    rt = request.app.state.runtime
    token, product_id = request.path_params["token"], request.path_params["product_id"]
    version = await page_version(rt.engine, token)
    data = await by_token(rt.engine, token) if version else None
    if version is None or data is None:
        return not_found(request)
    async with reading(rt.engine) as conn:
        product = (
            await conn.execute(
                select(PR.c.url).where(PR.c.id == product_id, PR.c.merchant_id == version.merchant_id, PR.c.active)
            )
        ).first()
    if product is None or not same_site(product.url, data.merchant.website_url):
        return not_found(request)
    queue_for(request.app.state, rt.engine).record(
        merchant_id=version.merchant_id,
        kind="rec_click",
        order_id=version.order_id,
        shipment_id=version.shipment_id,
        product_id=product_id,
        visitor=visitor(request),
    )
    return RedirectResponse(product.url, status_code=303)


def not_found(request: Request) -> Response:
    locale = choose_locale(request)
    return render_page(request, "pages/not_found.html", {}, locale=locale, status_code=404)


def _page_routes() -> list[BaseRoute]:
    from app.web import page_actions

    return [
        Route("/t/{token}", tracking_page),
        Route("/t/{token}/live", live_version),
        Route("/t/{token}/r/{product_id:int}", recommendation_click),
        *page_actions.routes,
    ]


def _lookup_routes() -> list[BaseRoute]:
    from app.web import page_lookup

    return list(page_lookup.routes)


# The shopper's pages under /t/ are matched first (the busiest routes, and no other area uses /t/); the lookup
# form's `/{shop}/track` matches any first segment, so it goes last.
page_routes: list[BaseRoute] = _page_routes()
lookup_routes: list[BaseRoute] = _lookup_routes()
