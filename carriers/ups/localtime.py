"""Where a carrier gives a bare wall time: the zone of the place it names, and the GMT-midnight quota reset.

Used by the UPS, FedEx, USPS and DHL parsers; a zone is only returned where the place pins it down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

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

# Countries that keep one zone; large multi-zone countries (US, CA, AU, BR, MX, RU, ID) need a state instead.
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
}


def place_zone(country: str | None, state: str | None = None) -> tzinfo | None:
    """The zone of a place given by ISO country code (and US state code); None when the place is ambiguous."""
    country = (country or "").strip().upper()
    state = (state or "").strip().upper()
    if country in ("", "US") and state in US_STATE_ZONES:
        return ZoneInfo(US_STATE_ZONES[state])
    name = COUNTRY_ZONES.get(country)
    return ZoneInfo(name) if name else None


def seconds_until_utc_midnight(now: datetime | None = None) -> float:
    """Seconds left until the next 00:00 GMT, when FedEx and DHL reset their daily quotas."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()
