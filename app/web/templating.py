"""Page rendering: one Jinja environment per language over templates/, Babel formatting in the shopper's zone,
and the response's CSP nonce (a placeholder when the HTML is cached, substituted per response)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_percent
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.i18n import babel_locale
from notifications.render import environment

NONCE_PLACEHOLDER = "__CSP_NONCE__"


@lru_cache(maxsize=50_000)
def _when(moment: datetime, fmt: str, locale: str, zone: ZoneInfo) -> str:
    """Event times repeat on every view of a page: format each once per language and zone."""
    return format_datetime(moment.astimezone(zone), format=fmt, locale=babel_locale(locale))


@lru_cache(maxsize=10_000)
def _day(value: date, fmt: str, locale: str) -> str:
    return format_date(value, format=fmt, locale=babel_locale(locale))


def render_html(name: str, context: dict[str, Any], *, locale: str = "en", nonce: str = NONCE_PLACEHOLDER) -> str:
    babel = babel_locale(locale)
    zone = context.get("zone") or ZoneInfo("UTC")

    def when(moment: datetime, fmt: str = "medium") -> str:
        return _when(moment, fmt, locale, zone)

    def day(value: date, fmt: str = "full") -> str:
        return _day(value, fmt, locale)

    def price(cents: int, currency: str) -> str:
        return format_currency(cents / 100, currency, locale=babel) if currency else ""

    def percent(share: float) -> str:
        return format_percent(share, locale=babel)

    full = {
        **context,
        "locale": locale,
        "csp_nonce": nonce,
        "when": when,
        "day": day,
        "price": price,
        "percent": percent,
    }
    return environment(locale).get_template(name).render(full)


def render_page(
    request: Request, name: str, context: dict[str, Any], *, locale: str = "en", status_code: int = 200
) -> HTMLResponse:
    html = render_html(name, {**context, "request": request}, locale=locale, nonce=request.scope.get("csp_nonce", ""))
    return HTMLResponse(html, status_code=status_code)
