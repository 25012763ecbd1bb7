"""Page rendering: one Jinja environment per language over templates/, Babel formatting in the shopper's zone,
and the response's CSP nonce (a placeholder when the HTML is cached, substituted per response)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_datetime_format, get_time_format
from babel.numbers import format_currency, format_percent
from jinja2 import Environment
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.i18n import babel_locale
from app.web.fixed_messages import FixedMessages
from notifications.render import environment, translations

NONCE_PLACEHOLDER = "__CSP_NONCE__"


@lru_cache(maxsize=50_000)
def _when(moment: datetime, fmt: str, locale: str, zone: ZoneInfo) -> str:
    """Event times repeat on every view of a page: format each once per language and zone. A page's first view
    formats times never seen before; Babel's own date and time parts of the moment are memoized for that (many
    scans share a day, every day shares its times of day), joined as Babel joins them."""
    local = moment.astimezone(zone)
    joined = _datetime_pattern(fmt, locale)
    if joined is None:
        return format_datetime(local, format=fmt, locale=babel_locale(locale))
    clock, day = _time_of_day(local.time(), fmt, locale), _day(local.date(), fmt, locale)
    return joined.replace("{0}", clock).replace("{1}", day)


@lru_cache(maxsize=64)
def _datetime_pattern(fmt: str, locale: str) -> str | None:
    """How `fmt` joins its date and time in `locale` (as format_datetime does), or None when its time part shows a
    time zone (that part then depends on more than the time of day)."""
    if fmt not in ("full", "long", "medium", "short"):
        return None
    babel = babel_locale(locale)
    if any(field in get_time_format(fmt, babel).pattern for field in "zZvVOxX"):
        return None
    return get_datetime_format(fmt, babel).replace("'", "")


@lru_cache(maxsize=20_000)
def _time_of_day(value: time, fmt: str, locale: str) -> str:
    return format_time(value, format=fmt, locale=babel_locale(locale))


def when_text(moment: datetime, locale: str, zone: ZoneInfo, fmt: str = "medium") -> str:
    """A moment as the page's `when()` shows it: in the shopper's language and time zone."""
    return _when(moment, fmt, locale, zone)


def page_gettext(locale: str) -> Any:
    """The tracking page's `_()` for `locale`: a translated, escaped Markup, as the template's own."""
    return quick_environment(locale).globals["_"]


@lru_cache(maxsize=10_000)
def _day(value: date, fmt: str, locale: str) -> str:
    return format_date(value, format=fmt, locale=babel_locale(locale))


@lru_cache(maxsize=10_000)
def _price(cents: int, currency: str, locale: str) -> str:
    return format_currency(cents / 100, currency, locale=babel_locale(locale))


@lru_cache(maxsize=32)
def quick_environment(locale: str) -> Environment:
    """The shared environment (notifications.render) overlaid with a `_()` that translates and escapes each message
    once per language: the very Markup Jinja's new-style gettext returns, without its two context calls per use;
    a fixed message in an output tag of its own is translated once, when its template is compiled (FixedMessages)."""
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

    env.globals["_"] = gettext
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
        return _when(moment, fmt, locale, zone)

    def day(value: date, fmt: str = "full") -> str:
        return _day(value, fmt, locale)

    def price(cents: int, currency: str) -> str:
        return _price(cents, currency, locale) if currency else ""

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
