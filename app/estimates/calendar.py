"""Delivery calendars: which weekdays a carrier delivers on and the destination country's public holidays."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

MON_FRI = frozenset(range(5))
MON_SAT = frozenset(range(6))

# Carriers whose standard services deliver on Saturdays (USPS also on some Sundays, left out: not the norm).
SATURDAY_CARRIERS = frozenset({"usps", "royalmail", "laposte", "dhl", "sandbox"})


def delivery_weekdays(carrier: str) -> frozenset[int]:
    return MON_SAT if carrier in SATURDAY_CARRIERS else MON_FRI


_known: set[tuple[str, int]] = set()  # (country, year) whose holidays are computed (see `prepare_holidays`)


@lru_cache(maxsize=4096)  # every year a shop's history spans, per destination country: kept, as `_known` says
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        found = frozenset(holidays.country_holidays(country.upper(), years=year))
    except (NotImplementedError, KeyError):
        found = frozenset()
    _known.add((country, year))
    return found


async def prepare_holidays(pairs: Iterable[tuple[str, int]]) -> None:
    """Compute the (country, year) holiday sets not computed yet in a worker thread. A country's first year imports
    its calendar module and builds the year (tens of milliseconds, 300 ms for the first country of a process): done
    in the event loop, that would pause every page the process serves meanwhile."""
    missing = sorted({(country, year) for country, year in pairs if country and (country, year) not in _known})
    if missing:
        await asyncio.to_thread(_compute, missing)


def _compute(pairs: list[tuple[str, int]]) -> None:
    for country, year in pairs:
        _holidays(country, year)


class DeliveryCalendar:
    """Business-day arithmetic for one carrier delivering into one country (memoized: the same few shipping days
    and transit lengths recur on every page and in every fit)."""

    def __init__(self, carrier: str, country: str) -> None:
        self.weekdays = delivery_weekdays(carrier)
        self.country = country.upper() if len(country) == 2 else ""

    def is_delivery_day(self, day: date) -> bool:
        return _is_delivery_day(self.weekdays, self.country, day)

    def business_days_between(self, start: date, end: date) -> int:
        """Delivery days after `start` up to and including `end` (0 when delivered the day it shipped)."""
        return _business_days_between(self.weekdays, self.country, start, end)

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th delivery day after `start` (`start` itself, moved to a delivery day, for 0)."""
        return _add_business_days(self.weekdays, self.country, start, days)


def _is_delivery_day(weekdays: frozenset[int], country: str, day: date) -> bool:
    if day.weekday() not in weekdays:
        return False
    return not (country and day in _holidays(country, day.year))


@lru_cache(maxsize=50_000)
def _business_days_between(weekdays: frozenset[int], country: str, start: date, end: date) -> int:
    if end <= start:
        return 0
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += _is_delivery_day(weekdays, country, day)
    return count


@lru_cache(maxsize=50_000)
def _add_business_days(weekdays: frozenset[int], country: str, start: date, days: int) -> date:
    day = start
    while not _is_delivery_day(weekdays, country, day) and days == 0:
        day += timedelta(days=1)
    while days > 0:
        day += timedelta(days=1)
        days -= _is_delivery_day(weekdays, country, day)
    return day
