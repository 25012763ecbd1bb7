"""DHL Unified statusCode → canonical status, refined by wording (the only normalised field is coarse)."""

from __future__ import annotations

from carriers.status import Status

Row = tuple[Status, str, bool]

# carrier-apis.md §4: statusCode ∈ {pre-transit, transit, delivered, failure, unknown}; failure → exception.
STATUS_CODES: dict[str, Row] = {
    "pre-transit": (Status.INFO_RECEIVED, "pre_transit", False),
    "transit": (Status.IN_TRANSIT, "in_transit", False),
    "delivered": (Status.DELIVERED, "delivered", False),
    "failure": (Status.EXCEPTION, "failure", False),
    "unknown": (Status.IN_TRANSIT, "unknown", False),
}

# Out for delivery, pickup points, attempts and returns show only in the text (English with language=en;
# the German wording of parcel-de as recorded in dhl/track_shipments_parcel_de_delivered_real.json).
KEYWORDS: tuple[tuple[str, Row], ...] = (
    ("returned to sender", (Status.RETURNED, "returned_to_sender", False)),
    ("return to sender", (Status.RETURNED, "returned_to_sender", False)),
    ("an den absender zurück", (Status.RETURNED, "returned_to_sender", False)),
    ("could not be delivered", (Status.FAILED_ATTEMPT, "attempted", False)),
    ("delivery attempt", (Status.FAILED_ATTEMPT, "attempted", False)),
    ("konnte nicht zugestellt", (Status.FAILED_ATTEMPT, "attempted", False)),
    ("ready for pickup", (Status.AVAILABLE_FOR_PICKUP, "ready_for_pickup", True)),
    ("available for pickup", (Status.AVAILABLE_FOR_PICKUP, "ready_for_pickup", True)),
    ("zur abholung bereit", (Status.AVAILABLE_FOR_PICKUP, "ready_for_pickup", True)),
    ("out for delivery", (Status.OUT_FOR_DELIVERY, "out_for_delivery", False)),
    ("with delivery courier", (Status.OUT_FOR_DELIVERY, "out_for_delivery", False)),
    ("loaded onto the delivery vehicle", (Status.OUT_FOR_DELIVERY, "out_for_delivery", False)),
    ("zustellfahrzeug geladen", (Status.OUT_FOR_DELIVERY, "out_for_delivery", False)),
)

# Wording only refines these codes: "delivered" and "pre-transit" already say what happened.
REFINABLE = frozenset({"transit", "failure", "unknown"})
FALLBACK: Row = (Status.IN_TRANSIT, "unknown", False)


def lookup(status_code: str, text: str) -> tuple[Row, bool]:
    """The row for a DHL event and whether its statusCode was known; an unknown code is never delivered."""
    code = status_code.strip().lower()
    row = STATUS_CODES.get(code)
    if row is None:
        return FALLBACK, False
    if code in REFINABLE:
        lowered = text.lower()
        for phrase, refined in KEYWORDS:
            if phrase in lowered:
                return refined, True
    return row, True
