"""Canada Post tracking through the VIS REST (XML) API, one PIN per call."""

from carriers.canadapost.adapter import Adapter
from carriers.canadapost.parse import parse

__all__ = ["Adapter", "parse"]
