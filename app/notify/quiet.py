"""Quiet hours in the recipient's local time: the zone comes from the order, else the phone's country, else the
shop; a message due inside quiet hours waits for the window to open."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _phone_zone(phone: str) -> ZoneInfo | None:
    """The zone of a number when its country (or area) has exactly one."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
    return _zone(zones[0]) if len(set(zones)) == 1 else None


@lru_cache(maxsize=4096)  # an SMS asks twice per send (quiet hours, then its text); the phone lookup is slow
def recipient_zone(order_timezone: str, phone: str, merchant_timezone: str) -> ZoneInfo:
    # The phone is looked up only when the order names no zone: the lookup is the slow part.
    return (
        _zone(order_timezone) or (_phone_zone(phone) if phone else None) or _zone(merchant_timezone) or ZoneInfo("UTC")
    )


def _at(day: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(minutes // 60 % 24, minutes % 60), tzinfo=zone)


def next_allowed(now: datetime, zone: ZoneInfo, start_minutes: int, end_minutes: int) -> datetime | None:
    """None when `now` is inside the sending window [start, end) local time, else when the window next opens."""
    if start_minutes == end_minutes:
        return None  # no quiet hours
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if start_minutes < end_minutes:
        if start_minutes <= minute < end_minutes:
            return None
        opens = _at(local, start_minutes, zone)
        if minute >= end_minutes:
            opens = _at(local + timedelta(days=1), start_minutes, zone)
    else:  # window wraps midnight, e.g. 20:00-02:00
        if minute >= start_minutes or minute < end_minutes:
            return None
        opens = _at(local, start_minutes, zone)
    return opens.astimezone(now.tzinfo)
