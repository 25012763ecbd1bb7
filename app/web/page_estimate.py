"""The honest delivery estimate: the carrier's, else a window learned from the shop's own deliveries
(`app.estimates`), else the shop's promised date; "running late" once it has passed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.estimates import UNFITTED, fit_once, is_stale, known_window, refit_soon
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
    shop's model in memory (no connection is taken). A model past its time still answers while one background refit
    replaces it; a shop without a model (or with one far too old) is fitted first, once for all views waiting."""
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
        found = known_window(**shipment_route, stale_ok=True)
        if found is not UNFITTED:
            if is_stale(shipment.merchant_id):
                refit_soon(engine, shipment.merchant_id)  # this view shows the older model's window
            return found
        await fit_once(engine, shipment.merchant_id)  # the shop's first view in this process, or a very old model
        found = known_window(**shipment_route)
        return None if found is UNFITTED else found
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
