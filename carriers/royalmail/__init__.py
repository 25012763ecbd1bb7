"""Royal Mail tracking through the Tracking API v2 (mail piece events), one item per call."""

from carriers.royalmail.adapter import Adapter
from carriers.royalmail.parse import parse

__all__ = ["Adapter", "parse"]
