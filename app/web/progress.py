"""The tracking page's progress bar and plain-words status: which step is reached, and what the shopper can do."""

from __future__ import annotations

from dataclasses import dataclass

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
    Status.INFO_RECEIVED: 1,
    Status.IN_TRANSIT: 2,
    Status.EXCEPTION: 2,
    Status.EXPIRED: 2,
    Status.RETURNED: 4,
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

# A status that leaves the happy path replaces the label of the step it happens on.
BRANCH_LABELS: dict[Status, str] = {
    Status.AVAILABLE_FOR_PICKUP: N_("Ready for pickup"),
    Status.FAILED_ATTEMPT: N_("Delivery attempted"),
    Status.EXCEPTION: N_("Needs attention"),
    Status.RETURNED: N_("Returned to sender"),
    Status.EXPIRED: N_("No recent updates"),
}

# substatus → what the shopper can do about it
ACTIONS: dict[str, str] = {
    "customs_duties_due": N_("Import duties are due before the parcel can be delivered. Pay them with the carrier."),
    "address_issue": N_("The carrier needs a complete address. Contact us so we can correct it."),
    "at_pickup_point": N_("Collect your parcel at the pickup point shown below. Bring an ID."),
    "nobody_home": N_("The carrier will try again. You can also rearrange delivery with the carrier."),
}

# substatus → the event in plain words, in the shopper's language (the carrier's own text is shown beside it)
EVENT_LABELS: dict[str, str] = {
    "label_created": N_("Shipping label created"),
    "picked_up": N_("Picked up by the carrier"),
    "departed_facility": N_("Left a carrier facility"),
    "arrived_at_facility": N_("Arrived at a carrier facility"),
    "customs_cleared": N_("Cleared customs"),
    "out_for_delivery": N_("Out for delivery"),
    "delivered": N_("Delivered"),
    "nobody_home": N_("Delivery attempted, nobody was home"),
    "at_pickup_point": N_("Waiting at a pickup point"),
    "address_issue": N_("Held: the address is incomplete"),
    "customs_duties_due": N_("Held by customs: import duties to pay"),
    "carrier_delay": N_("Delayed by the carrier"),
    "refused": N_("Delivery refused"),
    "returning_to_sender": N_("On its way back to the shop"),
    "returned_to_sender": N_("Returned to the shop"),
}


@dataclass(frozen=True)
class Progress:
    current: int
    tone: str
    steps: tuple[tuple[str, str], ...]
    branch: str  # a status that leaves the happy path, shown on the current step


def progress(status: Status) -> Progress:
    current = STEP_OF_STATUS[status]
    branch = BRANCH_LABELS.get(status, "")
    steps = STEPS
    if branch:
        steps = tuple((status.value, branch) if i == current else step for i, step in enumerate(STEPS))
    return Progress(current, TONE.get(status, "ok"), steps, status.value if branch else "")


def first_name(full_name: str) -> str:
    """The first word of a name: the page greets the shopper without showing their whole name."""
    parts = full_name.split()
    return parts[0] if parts else ""


def mask_postal(code: str) -> str:
    code = code.strip()
    return (code[:2] + "…") if len(code) > 2 else code
