"""Royal Mail Tracking v2 event codes and status categories → canonical status, substatus slug, action flag."""

from __future__ import annotations

from carriers.status import Status

Mapping = tuple[Status, str, bool]

# Unknown codes land here: moving, never delivered, so a new code can only under-promise.
FALLBACK: Mapping = (Status.IN_TRANSIT, "unknown_code", False)

CODES: dict[str, Mapping] = {
    "EVKSP": (Status.DELIVERED, "delivered_signed", False),
    "EVKSF": (Status.DELIVERED, "delivered_to_safeplace", False),
    "EVGPD": (Status.OUT_FOR_DELIVERY, "due_today", False),
    "EVODO": (Status.IN_TRANSIT, "despatched_to_delivery_office", False),
    "EVNMI": (Status.IN_TRANSIT, "forwarded_mis_sort", False),
    "EVNSR": (Status.IN_TRANSIT, "prepared_for_redelivery", False),
    "EVKNA": (Status.FAILED_ATTEMPT, "no_answer", True),
    "EVNDA": (Status.AVAILABLE_FOR_PICKUP, "redelivery_or_collection", True),
    "EVNRT": (Status.EXCEPTION, "retained", False),
}

# `summary.statusCategory`, used only when the last event's code is not in the table above.
CATEGORIES: dict[str, Mapping] = {
    "IN TRANSIT": (Status.IN_TRANSIT, "in_transit", False),
    "DELIVERED": (Status.DELIVERED, "delivered", False),
}


def lookup(code: str) -> Mapping | None:
    """The mapping of a Royal Mail event code, or None when the code is not in the table."""
    return CODES.get(code.strip().upper())


def category_lookup(category: str) -> Mapping | None:
    return CATEGORIES.get(" ".join(category.upper().split()))
