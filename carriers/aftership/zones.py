"""Where AfterShip's offset-less checkpoint times were written when a checkpoint names no place: the courier's home.

Places themselves go through the shared tables in `carriers.times`.
"""

from __future__ import annotations

from datetime import tzinfo

from carriers.times import zone

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


def courier_zone(slug: str) -> tzinfo | None:
    name = COURIER_HOMES.get((slug or "").strip().lower())
    return zone(name) if name else None
