"""FedEx scan event types (and latestStatusDetail codes) → canonical status, per fedex/tracking_status_codes.csv."""

from __future__ import annotations

from carriers.status import Status

Row = tuple[Status, str, bool]

# (status, substatus, action_required, codes) — mapping from carrier-apis.md §2.
_GROUPS: tuple[tuple[Status, str, bool, tuple[str, ...]], ...] = (
    (Status.INFO_RECEIVED, "label_created", False, ("OC", "IN")),
    (Status.INFO_RECEIVED, "awaiting_pickup", False, ("AP", "EP")),
    (Status.IN_TRANSIT, "picked_up", False, ("PU", "PX")),
    (Status.IN_TRANSIT, "at_facility", False, ("AA", "AC", "AF", "AR", "AX", "FD", "OF", "SF")),
    (Status.IN_TRANSIT, "departed", False, ("DP", "LO")),
    (
        Status.IN_TRANSIT,
        "on_the_way",
        False,
        ("IT", "IX", "OW", "EA", "ED", "EO", "PF", "PL", "PM", "TR", "DS", "DR", "CH", "SP", "OX", "AD"),
    ),
    (Status.IN_TRANSIT, "arriving_early_or_on_time", False, ("AE", "AO")),
    (Status.IN_TRANSIT, "delivery_option_change", False, ("RR", "RM", "RC")),
    (Status.IN_TRANSIT, "return_label", False, ("RP", "LP", "RG", "RD")),
    (Status.IN_TRANSIT, "customs_clearance", False, ("CP",)),
    (Status.IN_TRANSIT, "customs_cleared", False, ("CC",)),
    (Status.OUT_FOR_DELIVERY, "out_for_delivery", False, ("OD",)),
    (Status.AVAILABLE_FOR_PICKUP, "held_at_location", True, ("HL", "HP")),
    (Status.EXCEPTION, "delivery_exception", False, ("DE",)),
    (Status.EXCEPTION, "shipment_exception", False, ("SE",)),
    (Status.EXCEPTION, "delayed", False, ("DY", "DD", "PD")),
    (Status.EXCEPTION, "customs_delay", False, ("CD",)),
    (Status.EXCEPTION, "cancelled", False, ("CA",)),
    (Status.DELIVERED, "delivered", False, ("DL",)),
    (Status.RETURNED, "returned_to_sender", False, ("RS",)),
)

STATUS_CODES: dict[str, Row] = {code: (status, sub, action) for status, sub, action, codes in _GROUPS for code in codes}

FALLBACK: Row = (Status.IN_TRANSIT, "unknown", False)


def lookup(code: str) -> tuple[Row, bool]:
    """The row for a FedEx code and whether it was known; an unknown code is in transit, never delivered."""
    row = STATUS_CODES.get(code.strip().upper())
    return (row, True) if row else (FALLBACK, False)
