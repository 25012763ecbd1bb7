"""USPS event codes and status categories → canonical status (carrier-apis.md §3, Publication 199 codes seen)."""

from __future__ import annotations

from carriers.status import Status

Row = tuple[Status, str, bool]

# (status, substatus, action_required, eventCodes): the codes carrier-apis.md §3 lists, plus PC, OA and EF
# as worded in the recorded TrackV2 replies (usps/legacy_trackv2_*).
_GROUPS: tuple[tuple[Status, str, bool, tuple[str, ...]], ...] = (
    (Status.INFO_RECEIVED, "label_created", False, ("GX",)),
    (Status.INFO_RECEIVED, "pre_shipment", False, ("MA",)),
    (Status.INFO_RECEIVED, "with_shipping_partner", False, ("80", "81", "82")),
    (Status.IN_TRANSIT, "accepted", False, ("03", "OA")),
    (Status.IN_TRANSIT, "departed_post_office", False, ("SF",)),
    (Status.IN_TRANSIT, "at_regional_facility", False, ("10", "AD")),
    (Status.IN_TRANSIT, "at_facility", False, ("A1", "T1", "TL", "EF")),
    (Status.IN_TRANSIT, "at_post_office", False, ("07", "PC")),
    (Status.OUT_FOR_DELIVERY, "out_for_delivery", False, ("OF",)),
    (Status.DELIVERED, "delivered", False, ("01",)),
)

EVENT_CODES: dict[str, Row] = {code: (status, sub, action) for status, sub, action, codes in _GROUPS for code in codes}

# statusCategory / StatusCategory: the package's current state in USPS's own words.
CATEGORIES: dict[str, Row] = {
    "pre-shipment": (Status.INFO_RECEIVED, "pre_shipment", False),
    "accepted": (Status.IN_TRANSIT, "accepted", False),
    "in transit": (Status.IN_TRANSIT, "in_transit", False),
    "moving through network": (Status.IN_TRANSIT, "in_transit", False),
    "out for delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "available for pickup": (Status.AVAILABLE_FOR_PICKUP, "at_post_office", True),
    "delivery attempt": (Status.FAILED_ATTEMPT, "attempted", True),
    "alert": (Status.EXCEPTION, "alert", False),
    "delivered": (Status.DELIVERED, "delivered", False),
    "returned to sender": (Status.RETURNED, "returned_to_sender", False),
}

FALLBACK: Row = (Status.IN_TRANSIT, "unknown", False)


def lookup(code: str) -> tuple[Row, bool]:
    """The row for an event code and whether it was known; an unknown code is in transit, never delivered."""
    row = EVENT_CODES.get(code.strip().upper())
    return (row, True) if row else (FALLBACK, False)


def category(name: str) -> Row | None:
    return CATEGORIES.get(" ".join(name.split()).lower())
