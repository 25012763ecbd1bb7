"""Dates, times and prices as the shopper's pages show them, through Babel, memoized: a page's scans are formatted
once per language and zone.

A moment never shown before (a page's first view) is not formatted field by field: for each language and named
format, Babel's parsed time pattern is applied once per local day and hour (its date part, its hour and period
fields) into a template that leaves only the minute and second fields open, filled with Babel's own number rule
(`DateTimeFormat.format`: zero-padded to the field's width). The result is the text of Babel's
`format_datetime(moment.astimezone(zone), format=fmt, locale=...)`, which tests/page/test_time_formats.py checks over
many moments, zones and every supported language and format."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from babel.dates import (
    DateTimeFormat,
    format_date,
    format_datetime,
    get_datetime_format,
    get_time_format,
    tokenize_pattern,
)
from babel.numbers import format_currency

from app.i18n import babel_locale

NAMED_FORMATS = ("full", "long", "medium", "short")
HOUR_FIELDS = frozenset("hHKka")  # depend on the hour alone (`a`: am before noon, pm after, in Babel)
CLOCK_FIELDS = {"m": "minute", "s": "second"}  # the field's width in zero-padded digits
TEMPLATES_PER_PATTERN = 20_000  # (day, hour) templates kept per language and format


@lru_cache(maxsize=50_000)
def moment_text(moment: datetime, fmt: str, locale: str, zone: ZoneInfo) -> str:
    """Event times repeat on every view of a page: format each once per language and zone. A page's first view
    formats times never seen before: from the template of its local day and hour when `fmt` allows one."""
    local = moment.astimezone(zone)
    pattern = moment_pattern(fmt, locale)
    if pattern is None:
        return format_datetime(local, format=fmt, locale=babel_locale(locale))
    return pattern.text(local)


class MomentPattern:
    """format_datetime's text for one language and named format whose time part shows only hour, period, minute
    and second fields: per local (day, hour), the joined date and time with the minute and second left open."""

    __slots__ = ("babel", "clock", "fields", "fmt", "joined", "locale", "templates")

    def __init__(self, fmt: str, locale: str, fields: list[tuple[str, str | tuple[str, int]]]) -> None:
        self.fmt, self.locale, self.babel = fmt, locale, babel_locale(locale)
        self.joined = get_datetime_format(fmt, self.babel).replace("'", "")  # as format_datetime joins them
        self.fields = fields
        # the minute and second of a moment, in the order the template shows them (one value when it shows one)
        self.clock = attrgetter(
            *[CLOCK_FIELDS[value[0]] for kind, value in fields if kind == "field" and value[0] in CLOCK_FIELDS]
        )
        self.templates: dict[tuple[date, int], str] = {}

    def text(self, local: datetime) -> str:
        day, hour = local.date(), local.hour
        template = self.templates.get((day, hour))
        if template is None:
            template = self.template(day, hour)
        return template % self.clock(local)

    def template(self, day: date, hour: int) -> str:
        """The moment's text on `day` at `hour` as a %-template over its minute and second (`clock`)."""
        values = DateTimeFormat(time(hour), self.babel)
        clock = []
        for kind, value in self.fields:
            if kind == "chars":
                clock.append(str(value).replace("%", "%%"))
                continue
            char, width = value
            if char in CLOCK_FIELDS:
                clock.append(f"%0{width}d")
            else:
                clock.append(values[char * width].replace("%", "%%"))
        joined = self.joined.replace("%", "%%")
        template = joined.replace("{0}", "".join(clock)).replace(
            "{1}", day_text(day, self.fmt, self.locale).replace("%", "%%")
        )
        if len(self.templates) >= TEMPLATES_PER_PATTERN:
            self.templates.clear()
        self.templates[(day, hour)] = template
        return template


@lru_cache(maxsize=64)
def moment_pattern(fmt: str, locale: str) -> MomentPattern | None:
    """The MomentPattern of `fmt` in `locale`, or None when its time part shows anything but the hour, period,
    minute and second (a time zone, fractions of a second, day periods): Babel formats those moments whole."""
    if fmt not in NAMED_FORMATS:
        return None
    fields = tokenize_pattern(get_time_format(fmt, babel_locale(locale)).pattern)
    shown = [value[0] for kind, value in fields if kind == "field"]
    if not set(shown) <= HOUR_FIELDS | CLOCK_FIELDS.keys() or not any(char in CLOCK_FIELDS for char in shown):
        return None
    if get_datetime_format(fmt, babel_locale(locale)).count("{0}") != 1:  # the template fills one clock
        return None
    return MomentPattern(fmt, locale, fields)


def when_text(moment: datetime, locale: str, zone: ZoneInfo, fmt: str = "medium") -> str:
    """A moment as the page's `when()` shows it: in the shopper's language and time zone."""
    return moment_text(moment, fmt, locale, zone)


@lru_cache(maxsize=10_000)
def day_text(value: date, fmt: str, locale: str) -> str:
    return format_date(value, format=fmt, locale=babel_locale(locale))


@lru_cache(maxsize=10_000)
def price_text(cents: int, currency: str, locale: str) -> str:
    return format_currency(cents / 100, currency, locale=babel_locale(locale))
