"""Australia Post wording → canonical status: item status texts, and event description openings.

Australia Post sends no event codes, only English text, so events are matched by how their
description starts (longest opening first). Text that matches nothing is the "unknown code".
"""

from __future__ import annotations

from carriers.status import Status

Mapping = tuple[Status, str, bool]

# Unknown wording lands here: moving, never delivered, so new text can only under-promise.
FALLBACK: Mapping = (Status.IN_TRANSIT, "unknown_code", False)

# The item-level `status` field. "Unknown" is Australia Post saying it has no summary, not a state.
NO_OPINION = "unknown"
STATUSES: dict[str, Mapping] = {
    "created": (Status.INFO_RECEIVED, "label_created", False),
    "initiated": (Status.INFO_RECEIVED, "label_created", False),
    "sealed": (Status.INFO_RECEIVED, "manifested", False),
    "in transit": (Status.IN_TRANSIT, "in_transit", False),
    "track items for detailed delivery information": (Status.IN_TRANSIT, "see_items", False),
    "delivered in part": (Status.IN_TRANSIT, "partially_delivered", False),
    "onboard for delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "awaiting collection": (Status.AVAILABLE_FOR_PICKUP, "awaiting_collection", True),
    "possible delay": (Status.EXCEPTION, "delayed", False),
    "unsuccessful pickup": (Status.EXCEPTION, "pickup_failed", False),
    "article damaged": (Status.EXCEPTION, "damaged", False),
    "cancelled": (Status.EXCEPTION, "cancelled", False),
    "held by courier": (Status.EXCEPTION, "held", False),
    "cannot be delivered": (Status.EXCEPTION, "undeliverable", False),
    "delivered": (Status.DELIVERED, "delivered", False),
}

EVENTS: dict[str, Mapping] = {
    "shipping information received": (Status.INFO_RECEIVED, "label_created", False),
    "shipping information approved": (Status.INFO_RECEIVED, "label_approved", False),
    "received by australia post": (Status.IN_TRANSIT, "accepted", False),
    "received item from sender": (Status.IN_TRANSIT, "accepted", False),
    "item processed at facility": (Status.IN_TRANSIT, "processed", False),
    "processed": (Status.IN_TRANSIT, "processed", False),
    "arrived awaiting clearance": (Status.IN_TRANSIT, "awaiting_customs_clearance", False),
    "arrived": (Status.IN_TRANSIT, "arrived", False),
    "item is in customs": (Status.IN_TRANSIT, "in_customs", False),
    "item cleared by customs": (Status.IN_TRANSIT, "customs_cleared", False),
    "cleared and awaiting international departure": (Status.IN_TRANSIT, "awaiting_departure", False),
    "despatch": (Status.IN_TRANSIT, "despatched", False),
    "in transit": (Status.IN_TRANSIT, "in_transit", False),
    "onboard for delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "on board for delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "awaiting collection": (Status.AVAILABLE_FOR_PICKUP, "awaiting_collection", True),
    "attempted delivery": (Status.FAILED_ATTEMPT, "attempted", True),
    "possible delay": (Status.EXCEPTION, "delayed", False),
    "return to sender": (Status.RETURNED, "returning_to_sender", False),
    "returned to sender": (Status.RETURNED, "returned_to_sender", False),
    "delivered - left in a safe place": (Status.DELIVERED, "left_in_safe_place", False),
    "delivered": (Status.DELIVERED, "delivered", False),
}

_EVENT_OPENINGS = sorted(EVENTS, key=len, reverse=True)


def status_lookup(text: str) -> Mapping | None:
    """The mapping of an item status text, or None when unknown (including the carrier's own "Unknown")."""
    return STATUSES.get(" ".join(text.lower().split()))


def event_lookup(description: str) -> Mapping | None:
    """The mapping of the longest known opening of an event description, or None."""
    text = " ".join(description.lower().split())
    opening = next((o for o in _EVENT_OPENINGS if text.startswith(o)), None)
    return EVENTS[opening] if opening else None
