"""Carrier time formats to timezone-aware UTC; a wall time with no known offset is never taken as UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?$")


def parse_offset(text: str) -> timezone | None:
    """'+08:00', '-0500', '-5', 'GMT-05:00', 'Z' → a fixed timezone; None when it is not an offset."""
    text = text.strip()
    if text in {"Z", "UTC", "GMT", "+00:00"}:
        return UTC
    match = _OFFSET.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def iso_to_utc(text: str) -> datetime | None:
    """An ISO 8601 time that carries an offset or Z → UTC; None for a bare wall time or garbage."""
    try:
        moment = datetime.fromisoformat(text)  # the common, clean case first
    except (ValueError, TypeError):
        try:
            moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
        except (ValueError, AttributeError):
            return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def local_to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """A naive wall time in a known zone (fixed offset or IANA) → UTC."""
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def zone(name: str) -> tzinfo | None:
    """An IANA name or a fixed offset string → tzinfo; None when neither."""
    offset = parse_offset(name)
    if offset is not None:
        return offset
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def parse_date(text: str) -> date | None:
    """'2026-11-22', '20261122' or an ISO datetime → its date; None for anything else."""
    text = (text or "").strip()
    for candidate in (text[:10], text[:8]):  # fromisoformat reads both shapes, and far faster than strptime
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None
