"""17TRACK main status, sub status and event stage values mapped onto our canonical statuses."""

from __future__ import annotations

from carriers.codes import two_level
from carriers.status import Status

# latest_status.status → (canonical status, substatus slug, action_required)
STATUSES: dict[str, tuple[Status, str, bool]] = {
    "NotFound": (Status.PENDING, "not_found", False),
    "InfoReceived": (Status.INFO_RECEIVED, "info_received", False),
    "InTransit": (Status.IN_TRANSIT, "in_transit", False),
    "Expired": (Status.EXPIRED, "expired", False),
    "AvailableForPickup": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "OutForDelivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "DeliveryFailure": (Status.FAILED_ATTEMPT, "delivery_failure", True),
    "Delivered": (Status.DELIVERED, "delivered", False),
    "Exception": (Status.EXCEPTION, "exception", False),
}

# sub_status → (canonical status, substatus slug, action_required); a sub status refines only its own family.
SUB_STATUSES: dict[str, tuple[Status, str, bool]] = {
    "NotFound_Other": (Status.PENDING, "not_found", False),
    "NotFound_InvalidCode": (Status.PENDING, "invalid_code", False),
    "InfoReceived": (Status.INFO_RECEIVED, "info_received", False),
    "InTransit_PickedUp": (Status.IN_TRANSIT, "picked_up", False),
    "InTransit_Other": (Status.IN_TRANSIT, "in_transit", False),
    "InTransit_Departure": (Status.IN_TRANSIT, "departure", False),
    "InTransit_Arrival": (Status.IN_TRANSIT, "arrival", False),
    "InTransit_CustomsProcessing": (Status.IN_TRANSIT, "customs_processing", False),
    "InTransit_CustomsReleased": (Status.IN_TRANSIT, "customs_released", False),
    "InTransit_CustomsRequiringInformation": (Status.IN_TRANSIT, "customs_requiring_information", True),
    "Expired_Other": (Status.EXPIRED, "expired", False),
    "AvailableForPickup_Other": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "OutForDelivery_Other": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "DeliveryFailure_Other": (Status.FAILED_ATTEMPT, "delivery_failure", True),
    "DeliveryFailure_NoBody": (Status.FAILED_ATTEMPT, "nobody_home", True),
    "DeliveryFailure_Security": (Status.FAILED_ATTEMPT, "security_or_fees", True),
    "DeliveryFailure_Rejected": (Status.FAILED_ATTEMPT, "rejected", False),
    "DeliveryFailure_InvalidAddress": (Status.FAILED_ATTEMPT, "invalid_address", True),
    "Delivered_Other": (Status.DELIVERED, "delivered", False),
    "Exception_Other": (Status.EXCEPTION, "exception", False),
    "Exception_Returning": (Status.RETURNED, "returning", False),
    "Exception_Returned": (Status.RETURNED, "returned", False),
    "Exception_NoBody": (Status.EXCEPTION, "nobody_home", True),
    "Exception_Security": (Status.EXCEPTION, "security_or_fees", True),
    "Exception_Damage": (Status.EXCEPTION, "damaged", False),
    "Exception_Rejected": (Status.EXCEPTION, "rejected", False),
    "Exception_Delayed": (Status.EXCEPTION, "delayed", False),
    "Exception_Lost": (Status.EXCEPTION, "lost", False),
    "Exception_Destroyed": (Status.EXCEPTION, "destroyed", False),
    "Exception_Cancel": (Status.EXCEPTION, "cancelled", False),
}

# Event `stage` (the milestone key stages) → (canonical status, substatus slug, action_required).
STAGES: dict[str, tuple[Status, str, bool]] = {
    "InfoReceived": (Status.INFO_RECEIVED, "info_received", False),
    "PickedUp": (Status.IN_TRANSIT, "picked_up", False),
    "Departure": (Status.IN_TRANSIT, "departure", False),
    "Arrival": (Status.IN_TRANSIT, "arrival", False),
    "AvailableForPickup": (Status.AVAILABLE_FOR_PICKUP, "available_for_pickup", True),
    "OutForDelivery": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "Delivered": (Status.DELIVERED, "delivered", False),
    "Returning": (Status.RETURNED, "returning", False),
    "Returned": (Status.RETURNED, "returned", False),
}

# An event with neither stage nor sub status is an ordinary scan on the way.
PLAIN_SCAN: tuple[Status, str, bool] = (Status.IN_TRANSIT, "in_transit", False)


def lookup(status: str, sub_status: str = "") -> tuple[Status, str, bool, list[str]]:
    """Canonical (status, substatus, action_required) from latest_status, plus codes this table does not know."""
    return two_level(status, sub_status, STATUSES, SUB_STATUSES)


def event_lookup(stage: str, sub_status: str = "") -> tuple[Status, str, bool, list[str]]:
    """Canonical (status, substatus, action_required) of one event, from its sub status or stage."""
    if sub_status:
        return lookup(sub_status.split("_", 1)[0], sub_status)
    if not stage:
        return (*PLAIN_SCAN, [])
    known = STAGES.get(stage)
    if known is None:
        return (Status.IN_TRANSIT, stage, False, [stage])
    return (*known, [])
