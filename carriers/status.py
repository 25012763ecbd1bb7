"""The canonical shipment status vocabulary shared by every carrier adapter and the app."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a shipment is, in words every carrier's codes are mapped onto."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    DELIVERED = "delivered"
    RETURNED = "returned"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def rank(self) -> int:
        """Progress order used to pick the current status from an unordered event history."""
        return RANK[self]


TERMINAL = frozenset({Status.DELIVERED, Status.RETURNED, Status.EXPIRED})

RANK: dict[Status, int] = {
    Status.PENDING: 0,
    Status.INFO_RECEIVED: 1,
    Status.IN_TRANSIT: 2,
    Status.EXCEPTION: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.AVAILABLE_FOR_PICKUP: 4,
    Status.OUT_FOR_DELIVERY: 4,
    Status.DELIVERED: 5,
    Status.RETURNED: 6,
    Status.EXPIRED: 6,
}
