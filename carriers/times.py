"""Carrier time formats to timezone-aware UTC; a wall time with no known offset is never taken as UTC.

Also the zone tables shared by the carriers that send bare wall times: a place (country, state) to its zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?$")


def parse_offset(text: str) -> timezone | None:
    """'+08:00', '-0500', '-5', 'GMT-05:00', 'Z' → a fixed timezone; None when it is not an offset."""
    text = text.strip()
    if text in {"Z", "UTC", "GMT", "+00:00"}:
        return UTC
    match = _OFFSET.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def iso_to_utc(text: str) -> datetime | None:
    """An ISO 8601 time that carries an offset or Z → UTC; None for a bare wall time or garbage."""
    try:
        moment = datetime.fromisoformat(text)  # the common, clean case first
    except (ValueError, TypeError):
        try:
            moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
        except (ValueError, AttributeError):
            return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def local_to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """A naive wall time in a known zone (fixed offset or IANA) → UTC."""
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def zone(name: str) -> tzinfo | None:
    """An IANA name or a fixed offset string → tzinfo; None when neither."""
    offset = parse_offset(name)
    if offset is not None:
        return offset
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def parse_date(text: str) -> date | None:
    """'2026-11-22', '20261122' or an ISO datetime → its date; None for anything else."""
    text = (text or "").strip()
    for candidate in (text[:10], text[:8]):  # fromisoformat reads both shapes, and far faster than strptime
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


# The zone covering most of each state; a few states straddle two zones, where the hour may be off by one.
US_STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(
        ("CT", "DC", "DE", "FL", "GA", "MA", "MD", "ME", "NC", "NH", "NJ", "NY", "OH", "PA", "RI", "SC", "VA", "VT"),
        "America/New_York",
    ),
    **dict.fromkeys(("KY", "WV"), "America/New_York"),
    "MI": "America/Detroit",
    "IN": "America/Indiana/Indianapolis",
    **dict.fromkeys(
        ("AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "ND", "NE", "OK", "SD", "TN", "TX", "WI"),
        "America/Chicago",
    ),
    **dict.fromkeys(("CO", "MT", "NM", "UT", "WY"), "America/Denver"),
    "ID": "America/Boise",
    "AZ": "America/Phoenix",
    **dict.fromkeys(("CA", "NV", "OR", "WA"), "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}

# Countries that keep one zone (ISO 3166 alpha-2); large multi-zone countries (US, CA, AU, BR, MX, RU, ID) need a
# state instead.
COUNTRY_ZONES: dict[str, str] = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "CH": "Europe/Zurich",
    "CN": "Asia/Shanghai",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HK": "Asia/Hong_Kong",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IL": "Asia/Jerusalem",
    "IN": "Asia/Kolkata",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MY": "Asia/Kuala_Lumpur",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland",
    "PH": "Asia/Manila",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
    "TH": "Asia/Bangkok",
    "TR": "Europe/Istanbul",
    "TW": "Asia/Taipei",
    "AE": "Asia/Dubai",
    "VN": "Asia/Ho_Chi_Minh",
    "ZA": "Africa/Johannesburg",
    "SA": "Asia/Riyadh",
    "CO": "America/Bogota",
    "PE": "America/Lima",
    "AR": "America/Argentina/Buenos_Aires",
}

# Provinces and states of the other multi-zone countries that carriers name.
REGION_ZONES: dict[tuple[str, str], str] = {
    **{("US", state): name for state, name in US_STATE_ZONES.items()},
    **{("CA", p): "America/Toronto" for p in ("ON", "QC")},
    **{("CA", p): "America/Halifax" for p in ("NS", "NB", "PE")},
    ("CA", "NL"): "America/St_Johns",
    ("CA", "MB"): "America/Winnipeg",
    ("CA", "SK"): "America/Regina",
    ("CA", "AB"): "America/Edmonton",
    ("CA", "BC"): "America/Vancouver",
    **{("AU", s): "Australia/Sydney" for s in ("NSW", "ACT")},
    ("AU", "VIC"): "Australia/Melbourne",
    ("AU", "QLD"): "Australia/Brisbane",
    ("AU", "SA"): "Australia/Adelaide",
    ("AU", "WA"): "Australia/Perth",
    ("AU", "TAS"): "Australia/Hobart",
    ("AU", "NT"): "Australia/Darwin",
}

# Aggregators (AfterShip, 17TRACK) often send ISO alpha-3 codes.
ALPHA3_TO_ALPHA2: dict[str, str] = {
    "USA": "US", "CAN": "CA", "AUS": "AU", "GBR": "GB", "IRL": "IE", "FRA": "FR", "DEU": "DE", "NLD": "NL",
    "BEL": "BE", "ITA": "IT", "ESP": "ES", "PRT": "PT", "CHE": "CH", "AUT": "AT", "POL": "PL", "SWE": "SE",
    "DNK": "DK", "NOR": "NO", "FIN": "FI", "CZE": "CZ", "GRC": "GR", "TUR": "TR", "CHN": "CN", "HKG": "HK",
    "TWN": "TW", "JPN": "JP", "KOR": "KR", "SGP": "SG", "IND": "IN", "THA": "TH", "VNM": "VN", "MYS": "MY",
    "PHL": "PH", "ISR": "IL", "ARE": "AE", "SAU": "SA", "NZL": "NZ", "ZAF": "ZA", "COL": "CO", "PER": "PE",
    "ARG": "AR", "BGR": "BG", "EST": "EE", "HRV": "HR", "HUN": "HU", "LTU": "LT", "LUX": "LU", "LVA": "LV",
    "ROU": "RO", "SVN": "SI", "SVK": "SK",
}  # fmt: skip


def place_zone(country: str | None, state: str | None = None) -> tzinfo | None:
    """The zone of a place given by ISO country code (alpha-2 or alpha-3) and, for countries spanning several
    zones, state or province; a bare US state code counts as the US. None when the place does not pin it down."""
    country = (country or "").strip().upper()
    country = ALPHA3_TO_ALPHA2.get(country, country)
    state = (state or "").strip().upper()
    if not country and state in US_STATE_ZONES:
        country = "US"
    name = REGION_ZONES.get((country, state)) or COUNTRY_ZONES.get(country)
    return ZoneInfo(name) if name else None


def seconds_until_utc_midnight(now: datetime | None = None) -> float:
    """Seconds left until the next 00:00 GMT, when FedEx and DHL reset their daily quotas."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()
