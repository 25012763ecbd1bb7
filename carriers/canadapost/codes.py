"""Canada Post VIS event identifiers → canonical status, substatus slug and whether the shopper must act.

Identifiers arrive zero-padded ("0174") or not ("174"); `lookup` compares them without leading zeros.
"""

from __future__ import annotations

from collections.abc import Iterable

from carriers.status import Status

Mapping = tuple[Status, str, bool]

# Unknown identifiers land here: moving, never delivered, so a new code can only under-promise.
FALLBACK: Mapping = (Status.IN_TRANSIT, "unknown_code", False)


def _group(codes: Iterable[str], mapping: Mapping) -> dict[str, Mapping]:
    return dict.fromkeys(codes, mapping)


CODES: dict[str, Mapping] = {
    "3000": (Status.INFO_RECEIVED, "order_information_received", False),
    "2300": (Status.IN_TRANSIT, "picked_up", False),
    **_group(("100", "101", "102", "103", "104", "105", "106", "107"), (Status.IN_TRANSIT, "processed", False)),
    **_group(("1400", "1401", "1402", "1403", "1404", "1405"), (Status.IN_TRANSIT, "processed", False)),
    "174": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    "500": (Status.OUT_FOR_DELIVERY, "out_for_delivery", False),
    **_group(
        ("118", "156", "1407", "1410", "1435", "1436", "1437", "1438", "1479", "1488", "1701", "2410"),
        (Status.AVAILABLE_FOR_PICKUP, "awaiting_collection", True),
    ),
    **_group(("167", "168", "169", "1417"), (Status.FAILED_ATTEMPT, "recipient_not_home", True)),
    **_group(("179", "181", "182"), (Status.FAILED_ATTEMPT, "business_closed", True)),
    **_group(("183", "184", "190", "1418", "1419", "1420"), (Status.FAILED_ATTEMPT, "recipient_unavailable", True)),
    **_group(("150", "1415", "1416"), (Status.EXCEPTION, "refused", False)),
    **_group(("117", "120", "121"), (Status.EXCEPTION, "customs_documentation", False)),
    **_group(("125", "127", "1494"), (Status.EXCEPTION, "customs_duties_due", True)),
    **_group(("810", "1443", "1484", "1487"), (Status.EXCEPTION, "customs_delay", False)),
    **_group(("159", "160", "161", "162", "163"), (Status.EXCEPTION, "weather_delay", False)),
    **_group(("172", "173"), (Status.EXCEPTION, "address_problem", False)),
    **_group(("119", "142", "143", "144", "145", "146", "147", "148", "149"), (Status.EXCEPTION, "damaged", False)),
    # A signature image is only recorded at the door, so it confirms the delivery it accompanies.
    "20": (Status.DELIVERED, "signature_recorded", False),
    **_group(
        ("1408", "1409", "1421", "1422", "1423", "1424", "1425", "1426", "1427", "1428", "1429", "1430"),
        (Status.DELIVERED, "delivered", False),
    ),
    **_group(
        ("1431", "1432", "1433", "1434", "1441", "1442", "1496", "1497", "1498", "1499"),
        (Status.DELIVERED, "delivered", False),
    ),
}


def lookup(code: str) -> Mapping | None:
    """The mapping of a Canada Post event identifier, or None when it is not in the table."""
    return CODES.get(code.strip().lstrip("0") or "0")
