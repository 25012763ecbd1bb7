"""Australia Post tracking through the Shipping & Tracking API (batches of up to 10 ids)."""

from carriers.auspost.adapter import Adapter
from carriers.auspost.parse import parse

__all__ = ["Adapter", "parse"]
