"""The tracking page's progress bar and plain-words status: which step is reached, and what the shopper can do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carriers.status import Status
from notifications.copy import N_

STEPS: tuple[tuple[str, str], ...] = (
    ("ordered", N_("Ordered")),
    ("shipped", N_("Shipped")),
    ("in_transit", N_("In transit")),
    ("out_for_delivery", N_("Out for delivery")),
    ("delivered", N_("Delivered")),
)

STEP_OF_STATUS: dict[Status, int] = {
    Status.PENDING: 0,
    Status.INFO_RECEIVED: 0,
    Status.IN_TRANSIT: 2,
    Status.EXCEPTION: 2,
    Status.EXPIRED: 2,
    Status.RETURNED: 2,
    Status.OUT_FOR_DELIVERY: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.AVAILABLE_FOR_PICKUP: 3,
    Status.DELIVERED: 4,
}

TONE: dict[Status, str] = {
    Status.EXCEPTION: "alert",
    Status.FAILED_ATTEMPT: "warn",
    Status.AVAILABLE_FOR_PICKUP: "warn",
    Status.RETURNED: "alert",
    Status.EXPIRED: "warn",
    Status.DELIVERED: "done",
}

# substatus → what the shopper can do about it
ACTIONS: dict[str, str] = {
    "customs_duties_due": N_("Import duties are due before the parcel can be delivered. Pay them with the carrier."),
    "address_issue": N_("The carrier needs a complete address. Contact us so we can correct it."),
    "at_pickup_point": N_("Collect your parcel at the pickup point shown below. Bring an ID."),
    "nobody_home": N_("The carrier will try again. You can also rearrange delivery with the carrier."),
}


@dataclass(frozen=True)
class Progress:
    current: int
    tone: str
    steps: tuple[tuple[str, str], ...]
    branch: str  # a status that leaves the happy path, shown on the current step


def progress(status: Status) -> Progress:
    branch = status.value if status in TONE and status is not Status.DELIVERED else ""
    return Progress(STEP_OF_STATUS[status], TONE.get(status, "ok"), STEPS, branch)


def is_late(status: Status, latest: date | None, promised: date | None, today: date) -> bool:
    """Past the carrier's latest estimate (or the shop's promise when there is none) and not yet delivered."""
    if status.terminal:
        return False
    deadline = latest or promised
    return deadline is not None and today > deadline


def mask_postal(code: str) -> str:
    code = code.strip()
    return (code[:2] + "…") if len(code) > 2 else code
