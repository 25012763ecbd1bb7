"""Shopify webhooks per shop: HMAC verified on the raw bytes, deduplicated by event id, stored in an inbox.

`POST /webhooks/shopify/{merchant_id}` or `POST /webhooks/shopify` (shop found by `X-Shopify-Shop-Domain`). The
answer comes as soon as the delivery is stored; processing runs after it and on the scheduler's tick.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from app.integrations import shopify_inbox
from app.integrations.shopify import process_inbox_once
from app.integrations.shopify_mapping import TOPICS
from app.runtime import Runtime
from app.security.crypto import CredentialsError
from app.web.carrier_webhooks import BodyTooLarge, answer, read_capped

log = logging.getLogger("ordertrail.shopify")

KICK_LIMIT = 20


async def kick(rt: Runtime) -> None:
    try:
        await process_inbox_once(rt, limit=KICK_LIMIT)
    except Exception:
        log.exception("processing Shopify deliveries after a request failed; the scheduler will retry")


async def _shop(request: Request, rt: Runtime) -> shopify_inbox.ShopifyShop | None:
    if "merchant_id" in request.path_params:
        return await shopify_inbox.shop_by_id(rt.engine, rt.credentials_key, request.path_params["merchant_id"])
    domain = request.headers.get("x-shopify-shop-domain", "")
    return await shopify_inbox.shop_by_domain(rt.engine, rt.credentials_key, domain)


async def receive(request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    try:
        shop = await _shop(request, rt)
    except CredentialsError:
        log.error("a shop's Shopify secret cannot be decrypted; delivery refused for a later retry")
        return answer(503, "temporarily unable to verify deliveries")
    if shop is None:
        return answer(404, "no Shopify connection for this shop")
    try:
        raw = await read_capped(request)
    except BodyTooLarge:
        return answer(413, "body too large")
    presented = request.headers.get("x-shopify-hmac-sha256", "")
    if not presented:
        return answer(401, "signature missing (X-Shopify-Hmac-SHA256)")
    if not shopify_inbox.signature_valid(shop.secret, raw, presented):
        return answer(401, "signature does not match")
    now = datetime.now(UTC)
    if stale := shopify_inbox.staleness(raw, request.headers, now):
        return answer(401, f"stale delivery: {stale}")
    topic = request.headers.get("x-shopify-topic", "")
    if topic not in TOPICS:
        return JSONResponse({"received": True, "ignored": f"topic {topic!r} is not used"})
    event = shopify_inbox.event_id(request.headers, raw)
    stored = await shopify_inbox.store(rt.engine, shop, topic=topic, event=event, raw=raw, now=now)
    inline = getattr(request.app.state, "shopify_process_inline", True)
    background = BackgroundTask(kick, rt) if stored and inline else None
    return JSONResponse({"received": True, "duplicate": not stored}, background=background)


routes: list[BaseRoute] = [
    Route("/webhooks/shopify", receive, methods=["POST"]),
    Route("/webhooks/shopify/{merchant_id:int}", receive, methods=["POST"]),
]
