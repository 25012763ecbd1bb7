"""UPS status codes → canonical status: keyed on the 3-digit statusCode, since the 2-letter code is not unique."""

from __future__ import annotations

from carriers.status import Status

Row = tuple[Status, str, bool]

# (status, substatus, action_required, statusCodes) — carrier-apis.md §1 and ups/status_description_codes.csv.
_GROUPS: tuple[tuple[Status, str, bool, tuple[str, ...]], ...] = (
    (Status.INFO_RECEIVED, "label_created", False, ("003", "079", "080", "157", "166")),
    (Status.INFO_RECEIVED, "pickup_scheduled", False, ("077",)),
    (Status.INFO_RECEIVED, "pickup_attempted", False, ("065", "131", "135")),
    (Status.EXCEPTION, "label_voided", False, ("007", "043")),
    (Status.IN_TRANSIT, "status_not_available", False, ("000", "148", "163")),
    (
        Status.IN_TRANSIT,
        "on_the_way",
        False,
        ("005", "010", "025", "039", "044", "045", "047", "057", "070", "087", "158", "159", "164", "165"),
    ),
    (Status.IN_TRANSIT, "picked_up", False, ("038", "160")),
    (Status.IN_TRANSIT, "dropped_off", False, ("167", "168", "169")),
    (Status.IN_TRANSIT, "in_warehouse", False, ("016", "138")),
    (Status.IN_TRANSIT, "customs_clearance", False, ("012", "092")),
    (Status.IN_TRANSIT, "customs_cleared", False, ("014", "084", "134")),
    (Status.IN_TRANSIT, "delivery_partner", False, ("073", "074", "137")),
    (Status.IN_TRANSIT, "preparing_for_delivery", False, ("071", "075")),
    (Status.IN_TRANSIT, "schedule_updated", False, ("055", "115", "116", "120", "121", "136", "153", "154")),
    (
        Status.IN_TRANSIT,
        "delivery_change",
        False,
        (
            "018",
            "020",
            "027",
            "028",
            "041",
            "042",
            "054",
            "056",
            "063",
            "082",
            "095",
            "096",
            "097",
            "098",
            "099",
            "100",
            "101",
            "102",
            "103",
            "104",
            "105",
            "106",
            "107",
            "108",
            "109",
            "110",
            "111",
            "112",
            "113",
            "114",
            "122",
            "133",
        ),
    ),
    (Status.IN_TRANSIT, "inside_release", False, ("156",)),
    (Status.IN_TRANSIT, "test", False, ("088",)),
    (Status.IN_TRANSIT, "recovered", False, ("094",)),
    (Status.OUT_FOR_DELIVERY, "out_for_delivery", False, ("006", "021", "037", "072", "089", "091", "146", "162")),
    (Status.OUT_FOR_DELIVERY, "driver_arriving", False, ("078",)),
    (Status.AVAILABLE_FOR_PICKUP, "held_for_pickup", True, ("017", "040")),
    (Status.AVAILABLE_FOR_PICKUP, "at_access_point", True, ("144", "161")),
    (Status.FAILED_ATTEMPT, "attempted", False, ("022", "023", "060", "066", "145")),
    (Status.FAILED_ATTEMPT, "final_attempt", True, ("024",)),
    (Status.FAILED_ATTEMPT, "signature_required", True, ("061",)),
    (Status.FAILED_ATTEMPT, "funds_required", True, ("062",)),
    (Status.EXCEPTION, "exception", False, ("013", "030", "076", "083", "093")),
    (Status.EXCEPTION, "action_required", True, ("029", "049", "139")),
    (Status.EXCEPTION, "delayed", False, ("019", "032", "046", "048", "051", "052", "053", "086", "090", "132")),
    (Status.EXCEPTION, "address_required", True, ("050",)),
    (Status.EXCEPTION, "customs_hold", False, ("123", "126")),
    (Status.EXCEPTION, "customs_info_required", True, ("058", "124", "125", "141")),
    (Status.EXCEPTION, "payment_required", True, ("085",)),
    (Status.EXCEPTION, "damaged", False, ("059",)),
    (Status.EXCEPTION, "refused", False, ("064",)),
    (Status.EXCEPTION, "undeliverable", False, ("068", "069")),
    (Status.EXCEPTION, "investigation", False, ("127", "128", "129", "130", "140", "142")),
    (Status.EXCEPTION, "seized_or_destroyed", False, ("147", "149")),
    (Status.DELIVERED, "delivered", False, ("011", "026", "155")),
    (Status.DELIVERED, "delivered_to_agent", False, ("143",)),
    (Status.RETURNED, "return_requested", False, ("033", "117", "118", "119")),
    (Status.RETURNED, "returned_to_sender", False, ("034", "035", "036", "067")),
    (Status.RETURNED, "returned_damaged", False, ("081",)),
)

STATUS_CODES: dict[str, Row] = {code: (status, sub, action) for status, sub, action, codes in _GROUPS for code in codes}

# Activity types (ups/activity_status_types.csv), used only for a scan that carries no statusCode.
ACTIVITY_TYPES: dict[str, Row] = {
    "M": (Status.INFO_RECEIVED, "label_created", False),
    "MV": (Status.EXCEPTION, "label_voided", False),
    "P": (Status.IN_TRANSIT, "picked_up", False),
    "I": (Status.IN_TRANSIT, "on_the_way", False),
    "U": (Status.IN_TRANSIT, "schedule_updated", False),
    "X": (Status.EXCEPTION, "exception", False),
    "D": (Status.DELIVERED, "delivered", False),
    "DO": (Status.IN_TRANSIT, "freight_delivered_origin", False),
    "DD": (Status.IN_TRANSIT, "freight_delivered_destination", False),
    "W": (Status.IN_TRANSIT, "freight_warehousing", False),
    "NA": (Status.IN_TRANSIT, "status_not_available", False),
}

FALLBACK: Row = (Status.IN_TRANSIT, "unknown", False)


def lookup(status_code: str, activity_type: str) -> tuple[Row, bool]:
    """The row for a UPS status, and whether its code was known.

    The statusCode decides; the activity type only speaks for a scan that has no statusCode. An unknown
    code gives the in-transit fallback, so it can never claim a delivery.
    """
    code = status_code.strip()
    if code:
        row = STATUS_CODES.get(code.zfill(3))
        return (row, True) if row else (FALLBACK, False)
    row = ACTIVITY_TYPES.get(activity_type.strip().upper())
    return (row, True) if row else (FALLBACK, False)
