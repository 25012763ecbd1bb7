"""A tracking page's HTML from its data, without a request: what the page view renders on demand and what the
worker renders ahead when a message with the page's link is sent (`state` holds the process's runtime and caches)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.web.page_context import tracking_context, zone_named
from app.web.page_estimate import choose, learned
from app.web.page_recommendations import order_recommendations
from app.web.pages_data import TrackingData
from app.web.templating import render_html


async def render_tracking_html(
    state: Any,
    data: TrackingData,
    token: str,
    locale: str,
    *,
    lang_param: str = "",
    limited: bool = False,
    extra: dict[str, Any] | None = None,
) -> tuple[str, tuple[int, ...]]:
    """The page's HTML with a nonce placeholder, and the recommended product ids it shows."""
    runtime = state.runtime
    zone = zone_named(data.order.timezone or data.merchant.timezone)
    recommended = [] if limited else await order_recommendations(state, data)
    today = datetime.now(zone).date()
    window = None if data.shipment.estimate_latest else await learned(runtime.engine, data.shipment, data.order, today)
    context = tracking_context(
        data,
        secret_key=runtime.settings.secret_key,
        token=token,
        estimate=choose(data.shipment, data.order, window),
        recommended=recommended,
        today=today,
        locale=locale,
        zone=zone,
        limited=limited,
    )
    context.update({"lang_param": lang_param, **(extra or {})})
    html = render_html("pages/tracking.html", context, locale=locale, quick_gettext=True)
    return html, tuple(r.product_id for r in recommended)
