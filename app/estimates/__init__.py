"""Delivery estimates learned from the shop's own delivered shipments, per carrier, service and route."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class LearnedWindow:
    earliest: date
    latest: date
    confidence: float  # share of similar past shipments delivered inside the window, 0–1
    samples: int
