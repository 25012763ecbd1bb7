"""USPS: Tracking API v3 polling; legacy TrackV2 XML can still be read with `parse_xml`."""

from carriers.usps.adapter import Adapter
from carriers.usps.legacy import parse_xml
from carriers.usps.parse import parse

__all__ = ["Adapter", "parse", "parse_xml"]
