"""Postal regions: the coarse part of a postal code that predicts transit time (FR département, US 3-digit SCF…)."""

from __future__ import annotations

import re
from functools import lru_cache

# How many leading characters of the normalised postal code name a region, per country.
PREFIX_LENGTH = {"US": 3, "CA": 1, "GB": 2, "FR": 2, "DE": 2, "ES": 2, "IT": 2, "NL": 2, "BE": 1, "AU": 1, "JP": 2}
DEFAULT_PREFIX = 2


@lru_cache(maxsize=20_000)  # a page's first view asks for its shipment's two regions
def region(country: str, postal_code: str) -> str:
    """'FR', '75011' → 'FR-75'; a British outward code keeps its letters ('GB-SW'); unknown → the country."""
    country = (country or "").upper()
    code = re.sub(r"[\s-]", "", postal_code or "").upper()
    if not code:
        return country
    if country == "GB":
        letters = re.match(r"[A-Z]{1,2}", code)
        return f"GB-{letters.group(0)}" if letters else "GB"
    return f"{country}-{code[: PREFIX_LENGTH.get(country, DEFAULT_PREFIX)]}"
