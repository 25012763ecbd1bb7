"""AfterShip `tag` and `subtag` values mapped onto our canonical statuses."""

from __future__ import annotations

from carriers.codes import two_level
from carriers.status import Status

# tag → (canonical status, substatus slug, action_required)
TAGS: dict[str, tuple[Status, str, bool]] = {
    "Pending": (Status.PENDING, "pending", False),
    "InfoReceived": (Status.INFO_RECEIVED, "info_received", False),
    "InTransit": (Status.IN_TRANSIT, "in_transit", False),
    "OutForDelivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "AttemptFail": (Status.FAILED_ATTEMPT, "attempt_failed", True),
    "Delivered": (Status.DELIVERED, "delivered", False),
    "AvailableForPickup": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "Exception": (Status.EXCEPTION, "exception", False),
    "Expired": (Status.EXPIRED, "expired", False),
}

# subtag → (canonical status, substatus slug, action_required); a subtag only refines its own tag.
SUBTAGS: dict[str, tuple[Status, str, bool]] = {
    "Pending_001": (Status.PENDING, "pending", False),
    "InfoReceived_001": (Status.INFO_RECEIVED, "info_received", False),
    "InTransit_001": (Status.IN_TRANSIT, "in_transit", False),
    "InTransit_002": (Status.IN_TRANSIT, "acceptance_scan", False),
    "InTransit_003": (Status.IN_TRANSIT, "arrival_scan", False),
    "InTransit_004": (Status.IN_TRANSIT, "in_destination_country", False),
    "InTransit_005": (Status.IN_TRANSIT, "customs_cleared", False),
    "InTransit_006": (Status.IN_TRANSIT, "customs_started", False),
    "InTransit_007": (Status.IN_TRANSIT, "departure_scan", False),
    "InTransit_008": (Status.IN_TRANSIT, "problem_resolved", False),
    "InTransit_009": (Status.IN_TRANSIT, "forwarded", False),
    "OutForDelivery_001": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "OutForDelivery_003": (Status.OUT_FOR_DELIVERY, "customer_contacted", False),
    "OutForDelivery_004": (Status.OUT_FOR_DELIVERY, "appointment_set", False),
    "AttemptFail_001": (Status.FAILED_ATTEMPT, "attempt_failed", True),
    "AttemptFail_002": (Status.FAILED_ATTEMPT, "addressee_not_available", True),
    "AttemptFail_003": (Status.FAILED_ATTEMPT, "business_closed", True),
    "Delivered_001": (Status.DELIVERED, "delivered", False),
    "Delivered_002": (Status.DELIVERED, "picked_up_by_customer", False),
    "Delivered_003": (Status.DELIVERED, "signed", False),
    "Delivered_004": (Status.DELIVERED, "cash_on_delivery", False),
    "Delivered_005": (Status.DELIVERED, "delivered_to_neighbour", False),
    "AvailableForPickup_001": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "Exception_001": (Status.EXCEPTION, "exception", False),
    "Exception_002": (Status.EXCEPTION, "customer_moved", True),
    "Exception_003": (Status.EXCEPTION, "refused", False),
    "Exception_004": (Status.EXCEPTION, "customs_delay", False),
    "Exception_005": (Status.EXCEPTION, "external_delay", False),
    "Exception_006": (Status.EXCEPTION, "held_for_payment", True),
    "Exception_007": (Status.EXCEPTION, "bad_address", True),
    "Exception_008": (Status.EXCEPTION, "pickup_missed", True),
    "Exception_009": (Status.EXCEPTION, "rejected_by_carrier", False),
    "Exception_010": (Status.RETURNED, "returning_to_sender", False),
    "Exception_011": (Status.RETURNED, "returned_to_sender", False),
    "Exception_012": (Status.EXCEPTION, "damaged", False),
    "Exception_013": (Status.EXCEPTION, "lost", False),
    "Exception_016": (Status.EXCEPTION, "processing_delay", False),
    "Exception_017": (Status.EXCEPTION, "extreme_weather", False),
    "Exception_018": (Status.EXCEPTION, "missing_documents", True),
    "Exception_019": (Status.EXCEPTION, "late_flight", False),
    "Exception_020": (Status.EXCEPTION, "cancelled", False),
    "Exception_021": (Status.EXCEPTION, "disposed", False),
    "Expired_001": (Status.EXPIRED, "expired", False),
}


def lookup(tag: str, subtag: str = "") -> tuple[Status, str, bool, list[str]]:
    """Canonical (status, substatus, action_required) plus the codes this table does not know."""
    return two_level(tag, subtag, TAGS, SUBTAGS)
