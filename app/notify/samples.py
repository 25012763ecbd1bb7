"""Sample values for template previews and tests: a realistic message context without touching the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from app.i18n import babel_locale
from app.notify import links
from notifications.copy import (
    ACTIONS,
    CANCEL_REASONS,
    DELAY_REASONS,
    HEADLINES,
    INTROS,
    STATUS_LABELS,
    WELCOME,
    WELCOME_TRIGGERS,
)

SAMPLE_STATUS = {
    "not_shipped": "pending",
    "order_confirmed": "pending",
    "shipped": "in_transit",
    "delayed": "in_transit",
    "estimate_changed": "in_transit",
    "order_cancelled": "pending",
    "feedback_request": "delivered",
}


def sample_context(
    trigger: str, locale: str, shop: dict[str, Any], *, base_url: str, first_order: bool = True
) -> dict[str, Any]:
    """What a real message for `trigger` would carry, with made-up order and parcel values."""
    babel = babel_locale(locale)
    day = date.today() + timedelta(days=3)
    status = SAMPLE_STATUS.get(trigger, trigger)
    tracking_url = f"{base_url}/t/{'S' * 32}"
    return {
        "locale": locale,
        "shop": shop,
        "order": {"number": "1042"},
        "first_name": "Alex",
        "first_order": first_order,
        "audience": "first" if first_order else "returning",
        "trigger": trigger,
        "headline": HEADLINES[trigger],
        "intro": INTROS[trigger],
        "welcome": WELCOME["first" if first_order else "returning"] if trigger in WELCOME_TRIGGERS else "",
        "action": ACTIONS["nobody_home"] if trigger in ("failed_attempt", "exception") else "",
        "status_label": STATUS_LABELS.get(status, status),
        "latest": {"description": "Departed facility", "location": "Lyon"},
        "estimate": format_date(day, format="full", locale=babel),
        "estimate_short": format_date(day, format="medium", locale=babel),
        "previous_estimate": format_date(day - timedelta(days=2), format="full", locale=babel),
        "new_date": format_date(day, format="full", locale=babel),
        "new_date_short": format_date(day, format="medium", locale=babel),
        "delay_reason": DELAY_REASONS["past_estimate"],
        "reason_labels": CANCEL_REASONS,
        "tracking_url": tracking_url,
        "tracking_link": tracking_url,
        "shop_link": shop.get("website_url", ""),
        "open_pixel": f"{base_url}/m/open/0/sample.gif",
        "tracking_number": "1Z999AA10123456784",
        "carrier_name": "UPS",
        "items": [{"title": "Stoneware vase", "quantity": 1, "url": ""}],
        "unsubscribe_url": f"{base_url}/u/sample",
        "reasons": [(r, f"{base_url}/m/cancel/0/{r}/sample") for r in links.CANCEL_REASONS],
        "scores": [(s, f"{base_url}/m/feedback/0/{s}/sample") for s in links.SCORES],
    }
