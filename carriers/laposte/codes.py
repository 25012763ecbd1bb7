"""La Poste Suivi v2 event codes → canonical status, substatus slug and whether the shopper must act."""

from __future__ import annotations

from carriers.status import Status

Mapping = tuple[Status, str, bool]

# Unknown codes land here: moving, never delivered, so a new code can only under-promise.
FALLBACK: Mapping = (Status.IN_TRANSIT, "unknown_code", False)

CODES: dict[str, Mapping] = {
    "DR1": (Status.INFO_RECEIVED, "label_created", False),
    "DR2": (Status.EXCEPTION, "preparation_problem", False),
    "PC1": (Status.IN_TRANSIT, "accepted", False),
    "PC2": (Status.IN_TRANSIT, "accepted_in_origin_country", False),
    "ET1": (Status.IN_TRANSIT, "processing", False),
    "ET2": (Status.IN_TRANSIT, "leaving_origin", False),
    "ET3": (Status.IN_TRANSIT, "arrived_in_destination_country", False),
    "ET4": (Status.IN_TRANSIT, "processing", False),
    "EP1": (Status.IN_TRANSIT, "awaiting_presentation", False),
    "DO1": (Status.IN_TRANSIT, "customs_entry", False),
    "DO2": (Status.IN_TRANSIT, "customs_cleared", False),
    "DO3": (Status.EXCEPTION, "customs_hold", True),
    "ID0": (Status.IN_TRANSIT, "customs_information", False),
    "PB1": (Status.EXCEPTION, "problem", False),
    "PB2": (Status.IN_TRANSIT, "problem_resolved", False),
    "MD2": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "ND1": (Status.EXCEPTION, "undeliverable", False),
    "AG1": (Status.AVAILABLE_FOR_PICKUP, "awaiting_collection", True),
    "RE1": (Status.RETURNED, "returning_to_sender", False),
    "DI0": (Status.DELIVERED, "delivered_in_batch", False),
    "DI1": (Status.DELIVERED, "delivered", False),
    "DI2": (Status.RETURNED, "delivered_back_to_sender", False),
    "DI3": (Status.EXCEPTION, "delayed", False),
}


def lookup(code: str) -> Mapping | None:
    """The mapping of a La Poste event code, or None when the code is not in the table."""
    return CODES.get(code.strip().upper())
