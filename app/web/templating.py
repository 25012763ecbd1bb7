"""Page rendering: one Jinja environment over templates/, with the request's language and CSP nonce."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.i18n import babel_locale
from notifications.render import environment


def render_page(
    request: Request, name: str, context: dict[str, Any], *, locale: str = "en", status_code: int = 200
) -> HTMLResponse:
    babel = babel_locale(locale)
    zone = context.get("zone") or ZoneInfo("UTC")

    def when(moment: datetime, fmt: str = "medium") -> str:
        return format_datetime(moment.astimezone(zone), format=fmt, locale=babel)

    def day(value: date, fmt: str = "full") -> str:
        return format_date(value, format=fmt, locale=babel)

    full = {
        **context,
        "request": request,
        "locale": locale,
        "csp_nonce": request.scope.get("csp_nonce", ""),
        "when": when,
        "day": day,
    }
    html = environment(locale).get_template(name).render(full)
    return HTMLResponse(html, status_code=status_code)
