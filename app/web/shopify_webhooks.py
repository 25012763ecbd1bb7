"""Shopify webhooks per shop: HMAC verified on the raw bytes, deduplicated by event id, stored in an inbox."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
