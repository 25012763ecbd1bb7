"""The page's times read exactly as Babel's format_datetime writes them, in every language, zone and format, though
a moment never seen before is filled into its local day and hour's template (app/web/formatting.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from app.i18n import SUPPORTED, babel_locale
from app.web.formatting import NAMED_FORMATS, day_text, moment_pattern, moment_text, when_text

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Adelaide"]
# around a DST change in Paris and New York, midnight, noon, and odd seconds
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC) + timedelta(minutes=37 * i, seconds=11 * i) for i in range(60)
] + [datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 0, tzinfo=UTC)]

# DST in both hemispheres, half-hour and 45-minute offsets (with and without DST), a zone without DST
MANY_ZONES = [
    "UTC",
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Asia/Tokyo",
]


def transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The UTC hours at which `zone`'s offset changes during `year`."""
    hour = datetime(year, 1, 1, tzinfo=UTC)
    found, offset = [], hour.astimezone(zone).utcoffset()
    while hour.year == year:
        hour += timedelta(hours=1)
        if (now := hour.astimezone(zone).utcoffset()) != offset:
            found.append(hour)
            offset = now
    return found


def generated_moments(seed: int) -> list[datetime]:
    """Moments at their own minute, second and microsecond: a spread over two years, runs of scans within a few days
    (sharing local days and hours), every hour of one day, and each zone's offset changes give or take two hours."""
    draw = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=draw.randrange(2 * 365 * 86400), microseconds=draw.randrange(10**6))]
    moments += [start + timedelta(seconds=draw.randrange(2 * 365 * 86400)) for _ in range(60)]
    recent = datetime(2026, 11, 20, tzinfo=UTC)
    moments += [recent + timedelta(seconds=draw.randrange(4 * 86400)) for _ in range(60)]
    moments += [
        recent + timedelta(hours=hour, minutes=draw.randrange(60), seconds=draw.randrange(60)) for hour in range(24)
    ]
    for name in MANY_ZONES:
        for change in transitions(ZoneInfo(name), 2026):
            moments += [change + timedelta(seconds=draw.randrange(-7200, 7200)) for _ in range(4)]
            moments += [change - timedelta(seconds=1), change]
    return moments


@pytest.mark.parametrize("fmt", ["medium", "short", "long", "full"])
@pytest.mark.parametrize("locale", SUPPORTED)
def test_when_text_is_babels_format_datetime(fmt: str, locale: str) -> None:
    for name in ZONES:
        zone = ZoneInfo(name)
        for moment in MOMENTS:
            expected = format_datetime(moment.astimezone(zone), format=fmt, locale=babel_locale(locale))
            assert when_text(moment, locale, zone, fmt) == expected, (moment, name)


@pytest.mark.parametrize("fmt", NAMED_FORMATS)
@pytest.mark.parametrize("locale", SUPPORTED)
def test_never_seen_moments_read_as_babels_format_datetime(fmt: str, locale: str) -> None:
    """Every moment new to the memo (and most to their day and hour's template): in every zone, the same text as
    Babel's format_datetime, whether the template was just made or made for another minute of that hour."""
    moment_text.cache_clear()
    moment_pattern.cache_clear()
    day_text.cache_clear()
    moments = generated_moments(seed=10 * SUPPORTED.index(locale) + NAMED_FORMATS.index(fmt))
    babel = babel_locale(locale)
    for name in MANY_ZONES:
        zone = ZoneInfo(name)
        for moment in moments:
            expected = format_datetime(moment.astimezone(zone), format=fmt, locale=babel)
            assert moment_text(moment, fmt, locale, zone) == expected, (moment, name)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_pages_formats_take_the_template(locale: str) -> None:
    """The formats the tracking page shows (medium, short) are filled from templates, so the test above checks the
    templates and not Babel against itself; those that show a time zone are formatted by Babel whole."""
    assert moment_pattern("medium", locale) is not None
    assert moment_pattern("short", locale) is not None
    assert moment_pattern("full", locale) is None
