"""The honest delivery estimate: the carrier's, else a window learned from the shop's own deliveries
(`app.estimates`), else the shop's promised date; "running late" once it has passed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.estimates import UNFITTED, known_window, learned_window
from app.web.page_reads import page_reads
from carriers.status import Status

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Estimate:
    source: str  # carrier, learned, promised
    earliest: date
    latest: date
    confidence: float | None = None  # only for a learned window

    @property
    def single_day(self) -> bool:
        return self.earliest == self.latest


async def learned(engine: AsyncEngine, shipment: Any, order: Any, today: date) -> Any | None:
    """The window learned from the shop's delivered history for this carrier, service and route, if any: from the
    shop's model in memory when it is fresh (no connection is taken), else after fitting it."""
    if shipment.shipped_at is None:
        return None
    try:
        shipment_route = {
            "merchant_id": shipment.merchant_id,
            "carrier": shipment.carrier,
            "service": shipment.service,
            "origin": (shipment.origin_country or order.country, shipment.origin_postal_code),
            "destination": (order.country, order.postal_code),
            "shipped_on": shipment.shipped_at.date(),
            "today": today,
            "status": shipment.status,
        }
        found = known_window(**shipment_route)
        if found is not UNFITTED:
            return found
        async with page_reads(engine) as conn:
            return await learned_window(conn, **shipment_route)
    except Exception:  # a learning problem must not break the page: the promised date still shows
        log.exception("learned estimate failed for shipment %s", shipment.id)
        return None


def choose(shipment: Any, order: Any, window: Any | None) -> Estimate | None:
    if shipment.estimate_latest:
        return Estimate("carrier", shipment.estimate_earliest or shipment.estimate_latest, shipment.estimate_latest)
    if window is not None:
        return Estimate("learned", window.earliest, window.latest, window.confidence)
    if order.promised_by:
        return Estimate("promised", order.promised_by, order.promised_by)
    return None


def is_late(status: Status, estimate: Estimate | None, today: date) -> bool:
    """Past the latest day shown and not yet delivered or returned."""
    return not status.terminal and estimate is not None and today > estimate.latest
