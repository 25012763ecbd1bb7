"""Shippo track `status` and `substatus.code` values mapped onto our canonical statuses."""

from __future__ import annotations

from carriers.status import Status

# status → (canonical status, substatus slug, action_required)
STATUSES: dict[str, tuple[Status, str, bool]] = {
    "UNKNOWN": (Status.PENDING, "unknown", False),
    "PRE_TRANSIT": (Status.INFO_RECEIVED, "pre_transit", False),
    "TRANSIT": (Status.IN_TRANSIT, "transit", False),
    "DELIVERED": (Status.DELIVERED, "delivered", False),
    "RETURNED": (Status.RETURNED, "returned", False),
    "FAILURE": (Status.EXCEPTION, "failure", False),
}

# substatus.code → (canonical status, substatus slug, action_required). Shippo files out-for-delivery,
# pickup and attempts under TRANSIT; the substatus is what tells them apart.
SUBSTATUSES: dict[str, tuple[Status, str, bool]] = {
    "information_received": (Status.INFO_RECEIVED, "information_received", False),
    "address_issue": (Status.EXCEPTION, "address_issue", True),
    "contact_carrier": (Status.EXCEPTION, "contact_carrier", True),
    "delayed": (Status.EXCEPTION, "delayed", False),
    "delivery_attempted": (Status.FAILED_ATTEMPT, "delivery_attempted", True),
    "delivery_rescheduled": (Status.IN_TRANSIT, "delivery_rescheduled", False),
    "delivery_scheduled": (Status.IN_TRANSIT, "delivery_scheduled", False),
    "location_inaccessible": (Status.FAILED_ATTEMPT, "location_inaccessible", True),
    "notice_left": (Status.FAILED_ATTEMPT, "notice_left", True),
    "out_for_delivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "package_accepted": (Status.IN_TRANSIT, "package_accepted", False),
    "package_arrived": (Status.IN_TRANSIT, "package_arrived", False),
    "package_damaged": (Status.EXCEPTION, "package_damaged", True),
    "package_departed": (Status.IN_TRANSIT, "package_departed", False),
    "package_forwarded": (Status.IN_TRANSIT, "package_forwarded", False),
    "package_held": (Status.EXCEPTION, "package_held", False),
    "package_processed": (Status.IN_TRANSIT, "package_processed", False),
    "package_processing": (Status.IN_TRANSIT, "package_processing", False),
    "pickup_available": (Status.AVAILABLE_FOR_PICKUP, "pickup_available", True),
    "reschedule_delivery": (Status.EXCEPTION, "reschedule_delivery", True),
    "delivered": (Status.DELIVERED, "delivered", False),
    "return_to_sender": (Status.RETURNED, "return_to_sender", False),
    "package_unclaimed": (Status.RETURNED, "package_unclaimed", True),
    "package_undeliverable": (Status.EXCEPTION, "package_undeliverable", True),
    "package_disposed": (Status.EXCEPTION, "package_disposed", False),
    "package_lost": (Status.EXCEPTION, "package_lost", True),
}


def fits(status: Status, refined: Status) -> bool:
    """Whether a substatus may refine `status`: DELIVERED and RETURNED only ever refine themselves."""
    if Status.DELIVERED in (status, refined):
        return status is refined
    return refined is Status.RETURNED if status is Status.RETURNED else True


def lookup(status: str, substatus_code: str = "", action_hint: bool = False) -> tuple[Status, str, bool, list[str]]:
    """Canonical (status, substatus, action_required) plus the codes this table does not know."""
    unknown: list[str] = []
    known = STATUSES.get(status)
    if known is None:
        unknown.append(status)
        # Never DELIVERED for a code we cannot read: keep the shipment moving and count it.
        known = (Status.IN_TRANSIT, status.lower(), False)
    canonical, slug, action = known
    if substatus_code and substatus_code != "other":
        refined = SUBSTATUSES.get(substatus_code)
        if refined is None:
            unknown.append(substatus_code)
        elif fits(canonical, refined[0]):
            canonical, slug, action = refined
    return canonical, slug, action or action_hint, unknown
