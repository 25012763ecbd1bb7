"""Dates, times and prices as the shopper's pages show them, through Babel, memoized: a page's scans are formatted
once per language and zone."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_datetime_format, get_time_format
from babel.numbers import format_currency

from app.i18n import babel_locale


@lru_cache(maxsize=50_000)
def moment_text(moment: datetime, fmt: str, locale: str, zone: ZoneInfo) -> str:
    """Event times repeat on every view of a page: format each once per language and zone. A page's first view
    formats times never seen before; Babel's own date and time parts of the moment are memoized for that (many
    scans share a day, every day shares its times of day), joined as Babel joins them."""
    local = moment.astimezone(zone)
    joined = _datetime_pattern(fmt, locale)
    if joined is None:
        return format_datetime(local, format=fmt, locale=babel_locale(locale))
    clock, day = _time_of_day(local.time(), fmt, locale), day_text(local.date(), fmt, locale)
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
    return moment_text(moment, fmt, locale, zone)


@lru_cache(maxsize=10_000)
def day_text(value: date, fmt: str, locale: str) -> str:
    return format_date(value, format=fmt, locale=babel_locale(locale))


@lru_cache(maxsize=10_000)
def price_text(cents: int, currency: str, locale: str) -> str:
    return format_currency(cents / 100, currency, locale=babel_locale(locale))
