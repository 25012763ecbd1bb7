"""Canada Post event time zones: the abbreviations VIS sends (English and French) and per-province fallbacks."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


ABBREVIATIONS: dict[str, tzinfo] = {
    "NST": _fixed(-3.5),
    "NDT": _fixed(-2.5),
    "AST": _fixed(-4),
    "ADT": _fixed(-3),
    "EST": _fixed(-5),
    "EDT": _fixed(-4),
    "CST": _fixed(-6),
    "CDT": _fixed(-5),
    "MST": _fixed(-7),
    "MDT": _fixed(-6),
    "PST": _fixed(-8),
    "PDT": _fixed(-7),
    "HNT": _fixed(-3.5),
    "HAT": _fixed(-2.5),
    "HNA": _fixed(-4),
    "HAA": _fixed(-3),
    "HNE": _fixed(-5),
    "HAE": _fixed(-4),
    "HNC": _fixed(-6),
    "HAC": _fixed(-5),
    "HNR": _fixed(-7),
    "HAR": _fixed(-6),
    "HNP": _fixed(-8),
    "HAP": _fixed(-7),
}

PROVINCES: dict[str, str] = {
    "NL": "America/St_Johns",
    "NS": "America/Halifax",
    "NB": "America/Moncton",
    "PE": "America/Halifax",
    "QC": "America/Toronto",
    "ON": "America/Toronto",
    "MB": "America/Winnipeg",
    "SK": "America/Regina",
    "AB": "America/Edmonton",
    "BC": "America/Vancouver",
    "YT": "America/Whitehorse",
    "NT": "America/Yellowknife",
    "NU": "America/Iqaluit",
}

# Without an abbreviation or a province, Eastern time is where most of the network's scans happen.
DEFAULT_ZONE = ZoneInfo("America/Toronto")


def event_zone(abbreviation: str, province: str) -> tzinfo:
    """The zone of one scan: its abbreviation when known, else its province's zone, else Eastern time."""
    fixed = ABBREVIATIONS.get(abbreviation.strip().upper())
    if fixed is not None:
        return fixed
    name = PROVINCES.get(province.strip().upper())
    return ZoneInfo(name) if name else DEFAULT_ZONE
