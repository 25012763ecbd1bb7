"""FedEx: Track API polling, up to 30 numbers per call."""

from carriers.fedex.adapter import Adapter
from carriers.fedex.parse import parse

__all__ = ["Adapter", "parse"]
