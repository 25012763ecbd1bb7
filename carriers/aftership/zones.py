"""Where AfterShip's offset-less checkpoint times were written: the checkpoint's place, else the courier's home."""

from __future__ import annotations

from datetime import tzinfo

from carriers.times import zone

# zone → the countries that keep only that civil time (ISO 3166 alpha-3 and alpha-2: AfterShip uses both).
_SINGLE_ZONE_COUNTRIES: dict[str, str] = {
    "Europe/London": "GBR GB",
    "Europe/Dublin": "IRL IE",
    "Europe/Paris": "FRA FR",
    "Europe/Berlin": "DEU DE",
    "Europe/Amsterdam": "NLD NL",
    "Europe/Brussels": "BEL BE",
    "Europe/Rome": "ITA IT",
    "Europe/Madrid": "ESP ES",
    "Europe/Lisbon": "PRT PT",
    "Europe/Zurich": "CHE CH",
    "Europe/Vienna": "AUT AT",
    "Europe/Warsaw": "POL PL",
    "Europe/Stockholm": "SWE SE",
    "Europe/Copenhagen": "DNK DK",
    "Europe/Oslo": "NOR NO",
    "Europe/Helsinki": "FIN FI",
    "Europe/Prague": "CZE CZ",
    "Europe/Athens": "GRC GR",
    "Europe/Istanbul": "TUR TR",
    "Asia/Shanghai": "CHN CN",
    "Asia/Hong_Kong": "HKG HK",
    "Asia/Taipei": "TWN TW",
    "Asia/Tokyo": "JPN JP",
    "Asia/Seoul": "KOR KR",
    "Asia/Singapore": "SGP SG",
    "Asia/Kolkata": "IND IN",
    "Asia/Bangkok": "THA TH",
    "Asia/Ho_Chi_Minh": "VNM VN",
    "Asia/Kuala_Lumpur": "MYS MY",
    "Asia/Manila": "PHL PH",
    "Asia/Jerusalem": "ISR IL",
    "Asia/Dubai": "ARE AE",
    "Asia/Riyadh": "SAU SA",
    "Pacific/Auckland": "NZL NZ",
    "Africa/Johannesburg": "ZAF ZA",
    "America/Bogota": "COL CO",
    "America/Lima": "PER PE",
    "America/Argentina/Buenos_Aires": "ARG AR",
}

# Countries spanning several zones: zone → the state or province codes in it.
_REGION_ZONES: dict[str, dict[str, str]] = {
    "USA": {
        "America/New_York": "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV",
        "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
        "America/Denver": "CO MT NM UT WY ID",
        "America/Phoenix": "AZ",
        "America/Los_Angeles": "CA NV OR WA",
        "America/Anchorage": "AK",
        "Pacific/Honolulu": "HI",
    },
    "CAN": {
        "America/Toronto": "ON QC",
        "America/Halifax": "NS NB PE",
        "America/St_Johns": "NL",
        "America/Winnipeg": "MB",
        "America/Regina": "SK",
        "America/Edmonton": "AB",
        "America/Vancouver": "BC",
    },
    "AUS": {
        "Australia/Sydney": "NSW ACT",
        "Australia/Melbourne": "VIC",
        "Australia/Brisbane": "QLD",
        "Australia/Adelaide": "SA",
        "Australia/Perth": "WA",
        "Australia/Hobart": "TAS",
        "Australia/Darwin": "NT",
    },
}

COUNTRIES: dict[str, str] = {code: name for name, codes in _SINGLE_ZONE_COUNTRIES.items() for code in codes.split()}
REGIONS: dict[tuple[str, str], str] = {
    (country, code): name
    for country, zones in _REGION_ZONES.items()
    for name, codes in zones.items()
    for code in codes.split()
}

_ALPHA2_TO_3 = {"US": "USA", "CA": "CAN", "AU": "AUS"}

# Courier slug → the zone of its home network, used only when a checkpoint names no place.
COURIER_HOMES: dict[str, str] = {
    "usps": "America/New_York",
    "ups": "America/New_York",
    "fedex": "America/Chicago",
    "canada-post": "America/Toronto",
    "royal-mail": "Europe/London",
    "la-poste-colissimo": "Europe/Paris",
    "colissimo": "Europe/Paris",
    "deutsch-post": "Europe/Berlin",
    "dhl-germany": "Europe/Berlin",
    "postnl": "Europe/Amsterdam",
    "australia-post": "Australia/Sydney",
    "china-post": "Asia/Shanghai",
    "china-ems": "Asia/Shanghai",
    "japan-post": "Asia/Tokyo",
}


def place_zone(country: str, state: str = "") -> tzinfo | None:
    """The zone of a country (and state, where the country spans several); None when it is not known."""
    country = (country or "").strip().upper()
    country = _ALPHA2_TO_3.get(country, country)
    name = REGIONS.get((country, (state or "").strip().upper())) or COUNTRIES.get(country)
    return zone(name) if name else None


def courier_zone(slug: str) -> tzinfo | None:
    name = COURIER_HOMES.get((slug or "").strip().lower())
    return zone(name) if name else None
