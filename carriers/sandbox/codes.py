"""The sandbox carrier's event codes mapped to canonical statuses."""

from __future__ import annotations

from carriers.status import Status

# code → (status, substatus, action_required)
CODES: dict[str, tuple[Status, str, bool]] = {
    "LBL": (Status.INFO_RECEIVED, "label_created", False),
    "PKU": (Status.IN_TRANSIT, "picked_up", False),
    "DEP": (Status.IN_TRANSIT, "departed_facility", False),
    "ARR": (Status.IN_TRANSIT, "arrived_at_facility", False),
    "CLR": (Status.IN_TRANSIT, "customs_cleared", False),
    "OFD": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "DLV": (Status.DELIVERED, "delivered", False),
    "ATT": (Status.FAILED_ATTEMPT, "nobody_home", True),
    "PUP": (Status.AVAILABLE_FOR_PICKUP, "at_pickup_point", True),
    "HLD": (Status.EXCEPTION, "address_issue", True),
    "CUS": (Status.EXCEPTION, "customs_duties_due", True),
    "DLY": (Status.EXCEPTION, "carrier_delay", False),
    "REF": (Status.EXCEPTION, "refused", False),
    "RTS": (Status.RETURNED, "returning_to_sender", False),
    "RTD": (Status.RETURNED, "returned_to_sender", False),
}

FALLBACK = (Status.IN_TRANSIT, "unknown_code", False)


def lookup(code: str) -> tuple[tuple[Status, str, bool], bool]:
    """The mapping of `code` and whether it was known."""
    found = CODES.get(code) or CODES.get(code.strip().upper())
    return (found, True) if found else (FALLBACK, False)
