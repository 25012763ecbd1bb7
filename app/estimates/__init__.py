"""Delivery estimates learned from the shop's own delivered shipments, per carrier, service and route."""

from __future__ import annotations

from app.estimates.learned import UNFITTED, LearnedWindow, forget, known_window, learned_window, refit

__all__ = ["UNFITTED", "LearnedWindow", "forget", "known_window", "learned_window", "refit"]
