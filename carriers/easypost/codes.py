"""EasyPost tracker `status` and `status_detail` values mapped onto our canonical statuses."""

from __future__ import annotations

from carriers.status import Status

# status → (canonical status, substatus slug, action_required)
STATUSES: dict[str, tuple[Status, str, bool]] = {
    "unknown": (Status.PENDING, "unknown", False),
    "pre_transit": (Status.INFO_RECEIVED, "pre_transit", False),
    "in_transit": (Status.IN_TRANSIT, "in_transit", False),
    "out_for_delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "delivered": (Status.DELIVERED, "delivered", False),
    "available_for_pickup": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "return_to_sender": (Status.RETURNED, "return_to_sender", False),
    "failure": (Status.EXCEPTION, "failure", False),
    "cancelled": (Status.EXCEPTION, "cancelled", False),
    "error": (Status.EXCEPTION, "error", False),
}

# status_detail → (substatus slug, action_required); the detail refines, it never changes the status.
DETAILS: dict[str, tuple[str, bool]] = {
    "address_correction": ("address_correction", True),
    "arrived_at_destination": ("arrived_at_destination", False),
    "arrived_at_facility": ("arrived_at_facility", False),
    "arrived_at_pickup_location": ("arrived_at_pickup_location", True),
    "awaiting_information": ("awaiting_information", True),
    "cancelled": ("cancelled", False),
    "damaged": ("damaged", False),
    "delayed": ("delayed", False),
    "delivery_exception": ("delivery_exception", False),
    "departed_facility": ("departed_facility", False),
    "departed_origin_facility": ("departed_origin_facility", False),
    "expired": ("expired", False),
    "failure": ("failure", False),
    "held": ("held", False),
    "in_transit": ("in_transit", False),
    "label_created": ("label_created", False),
    "lost": ("lost", False),
    "missorted": ("missorted", False),
    "out_for_delivery": ("out_for_delivery", False),
    "received_at_destination_facility": ("received_at_destination_facility", False),
    "received_at_origin_facility": ("received_at_origin_facility", False),
    "refused": ("refused", False),
    "return": ("return", False),
    "status_update": ("status_update", False),
    "transferred_to_destination_carrier": ("transferred_to_destination_carrier", False),
    "transit_exception": ("transit_exception", False),
    "unknown": ("unknown", False),
    "weather_delay": ("weather_delay", False),
}

# Details that carry no more meaning than the status itself, so the status slug is kept.
_GENERIC_DETAILS = frozenset({"unknown", "status_update"})


def lookup(status: str, detail: str) -> tuple[Status, str, bool, list[str]]:
    """Canonical (status, substatus, action_required) plus the codes this table does not know."""
    unknown: list[str] = []
    known = STATUSES.get(status)
    if known is None:
        unknown.append(status)
        # Never DELIVERED for a code we cannot read: keep the shipment moving and count it.
        known = (Status.IN_TRANSIT, status, False)
    canonical, substatus, action = known
    if detail and detail not in _GENERIC_DETAILS:
        refined = DETAILS.get(detail)
        if refined is None:
            unknown.append(detail)
        else:
            substatus, action = refined[0], action or refined[1]
    return canonical, substatus, action, unknown
