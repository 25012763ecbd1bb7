"""A shipment's status change as polling or a carrier push found it: what notifications and webhooks react to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carriers.result import TrackResult
from carriers.status import Status


@dataclass(frozen=True, slots=True)
class StatusChange:
    """`shipment` is the claimed row (app.tracking.claim.CLAIMED_COLUMNS: ids, order fields, customer contact)."""

    shipment: Any
    result: TrackResult
    old: Status
    new: Status
    at: datetime
