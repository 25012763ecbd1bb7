"""Delivery estimates learned from the shop's own delivered shipments, per carrier, service and route."""

from __future__ import annotations

from app.estimates.learned import (
    UNFITTED,
    LearnedWindow,
    fit_once,
    forget,
    is_stale,
    known_window,
    learned_window,
    refit,
    refit_soon,
)

__all__ = [
    "UNFITTED",
    "LearnedWindow",
    "fit_once",
    "forget",
    "is_stale",
    "known_window",
    "learned_window",
    "refit",
    "refit_soon",
]
