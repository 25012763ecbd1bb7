"""The page's times read exactly as Babel's format_datetime writes them, in every language, zone and format, though
their date and time-of-day parts are memoized separately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from app.i18n import SUPPORTED, babel_locale
from app.web.formatting import when_text

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Adelaide"]
# around a DST change in Paris and New York, midnight, noon, and odd seconds
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC) + timedelta(minutes=37 * i, seconds=11 * i) for i in range(60)
] + [datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 0, tzinfo=UTC)]


@pytest.mark.parametrize("fmt", ["medium", "short", "long", "full"])
@pytest.mark.parametrize("locale", SUPPORTED)
def test_when_text_is_babels_format_datetime(fmt: str, locale: str) -> None:
    for name in ZONES:
        zone = ZoneInfo(name)
        for moment in MOMENTS:
            expected = format_datetime(moment.astimezone(zone), format=fmt, locale=babel_locale(locale))
            assert when_text(moment, locale, zone, fmt) == expected, (moment, name)
