"""Page rendering: one Jinja environment per language over templates/, Babel formatting in the shopper's zone,
and the response's CSP nonce (a placeholder when the HTML is cached, substituted per response)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_percent
from jinja2 import Environment
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.i18n import babel_locale
from app.web.fixed_messages import FixedMessages
from app.web.formatting import day_text, moment_text, price_text
from notifications.render import environment, translations

NONCE_PLACEHOLDER = "__CSP_NONCE__"


def page_gettext(locale: str) -> Any:
    """The tracking page's `_()` for `locale`: a translated, escaped Markup, as the template's own."""
    return quick_environment(locale).globals["_"]


@lru_cache(maxsize=32)
def quick_environment(locale: str) -> Environment:
    """The shared environment (notifications.render) overlaid with a `_()` that translates and escapes each message
    once per language, and an `ngettext()`: the very Markup Jinja's new-style gettext returns, without its context
    calls; a fixed message in an output tag of its own is translated once, when its template is compiled
    (FixedMessages)."""
    base = environment(locale)
    # its own template cache (templates bind the globals below when loaded), not re-checked on disk for every render
    env = base.overlay(cache_size=400, auto_reload=False, extensions=[FixedMessages])
    env.globals = dict(base.globals)
    catalog = translations(locale)
    known: dict[str, Markup] = {}
    plain: dict[str, Markup] = {}  # `message % {}`: what a message used without placeholders renders as

    def gettext(message: str, **variables: Any) -> Markup:
        if not variables:
            done = plain.get(message)
            if done is not None:
                return done
        found = known.get(message)
        if found is None:
            found = Markup(escape(catalog.gettext(message)))
            if len(known) < 10_000:
                known[message] = found
        if variables:
            return found % variables
        done = found % variables
        if len(plain) < 10_000:
            plain[message] = done
        return done

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        """Jinja's new-style ngettext (`num` among the placeholders), without its context call."""
        variables.setdefault("num", num)
        return Markup(escape(catalog.ngettext(singular, plural, num))) % variables

    env.globals["_"] = gettext
    env.globals["ngettext"] = ngettext
    return env


def render_html(
    name: str,
    context: dict[str, Any],
    *,
    locale: str = "en",
    nonce: str = NONCE_PLACEHOLDER,
    quick_gettext: bool = False,
) -> str:
    """`quick_gettext` renders an HTML template through `quick_environment` (same output, less work per message)."""
    babel = babel_locale(locale)
    zone = context.get("zone") or ZoneInfo("UTC")

    def when(moment: datetime, fmt: str = "medium") -> str:
        return moment_text(moment, fmt, locale, zone)

    def day(value: date, fmt: str = "full") -> str:
        return day_text(value, fmt, locale)

    def price(cents: int, currency: str) -> str:
        return price_text(cents, currency, locale) if currency else ""

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
    env = quick_environment(locale) if quick_gettext else environment(locale)
    return env.get_template(name).render(full)


def render_page(
    request: Request, name: str, context: dict[str, Any], *, locale: str = "en", status_code: int = 200
) -> HTMLResponse:
    html = render_html(name, {**context, "request": request}, locale=locale, nonce=request.scope.get("csp_nonce", ""))
    return HTMLResponse(html, status_code=status_code)
