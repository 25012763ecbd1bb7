"""Normalised tracking results: what every carrier's `parse` returns, whatever the carrier said."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from carriers.status import Status


class ErrorKind(StrEnum):
    """Why a carrier could not give a result for one tracking number."""

    NOT_FOUND = "not_found"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    BAD_RESPONSE = "bad_response"


@dataclass(frozen=True, slots=True)
class TrackEvent:
    """One scan. `time` is always timezone-aware UTC; `local_time` keeps the wall time the carrier gave."""

    time: datetime
    status: Status
    carrier_code: str
    description: str
    location: str = ""
    substatus: str = ""
    action_required: bool = False
    local_time: str = ""

    def __post_init__(self) -> None:
        zone = self.time.tzinfo
        if zone is not UTC and (zone is None or self.time.utcoffset() is None):
            raise ValueError("TrackEvent.time must be timezone-aware")

    @classmethod
    def utc(
        cls,
        time: datetime,
        status: Status,
        carrier_code: str,
        description: str,
        location: str = "",
        substatus: str = "",
        action_required: bool = False,
        local_time: str = "",
    ) -> TrackEvent:
        """The event the constructor makes, for parsers whose times are already UTC: its slots are set directly
        (the frozen dataclass's __init__ goes through object.__setattr__ per field, ~4x the cost). A time in any
        other zone (or none) takes the constructor and its check."""
        if time.tzinfo is not UTC:
            return cls(time, status, carrier_code, description, location, substatus, action_required, local_time)
        event = _new_event(cls)
        _set_time(event, time)
        _set_status(event, status)
        _set_code(event, carrier_code)
        _set_description(event, description)
        _set_location(event, location)
        _set_substatus(event, substatus)
        _set_action(event, action_required)
        _set_local_time(event, local_time)
        return event

    def fingerprint(self, carrier: str, tracking_number: str) -> str:
        """Stable identity of the scan, so a re-sent or re-ordered history never duplicates it."""
        return scan_fingerprint(fingerprint_prefix(carrier, tracking_number), self)


def fingerprint_prefix(carrier: str, tracking_number: str) -> str:
    """The part of a fingerprint's key shared by all scans of one tracking number (see `scan_fingerprint`)."""
    return f"{carrier}|{tracking_number.upper()}|"


def scan_fingerprint(prefix: str, event: TrackEvent) -> str:
    """`event.fingerprint(carrier, number)` given `fingerprint_prefix(carrier, number)`: a poll computes the prefix
    once per shipment, not once per scan."""
    # The UTC time to the whole second, "%Y-%m-%dT%H:%M:%S": the first 19 characters of its isoformat (with or
    # without microseconds and offset), at a fraction of strftime's cost.
    time = event.time
    moment = (time if time.tzinfo is UTC else time.astimezone(UTC)).isoformat()[:19]
    key = f"{prefix}{_normal_code(event.carrier_code)}|{moment}Z|{_normal_location(event.location)}"
    return _sha256(key.encode()).hexdigest()[:40]


_new_event = object.__new__
_sha256 = hashlib.sha256


def _slot_setter(name: str) -> Any:
    return TrackEvent.__dict__[name].__set__


_set_time, _set_status, _set_code = _slot_setter("time"), _slot_setter("status"), _slot_setter("carrier_code")
_set_description, _set_location = _slot_setter("description"), _slot_setter("location")
_set_substatus, _set_action = _slot_setter("substatus"), _slot_setter("action_required")
_set_local_time = _slot_setter("local_time")


# Scan locations and carrier codes as fingerprints compare them (spaces collapsed or stripped, upper case),
# memoised: a carrier repeats a few places and a few dozen codes.
_LOCATIONS_KEPT = 1024


@functools.lru_cache(maxsize=_LOCATIONS_KEPT)
def _normal_location(location: str) -> str:
    return " ".join(location.split()).upper()


@functools.lru_cache(maxsize=_LOCATIONS_KEPT)
def _normal_code(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class Estimate:
    """A delivery estimate: a single day (`earliest == latest`) or a window; times when the carrier gives them."""

    earliest: date
    latest: date
    window_start: datetime | None = None
    window_end: datetime | None = None

    @classmethod
    def on(cls, day: date) -> Estimate:
        return cls(earliest=day, latest=day)


@dataclass(slots=True)
class TrackResult:
    """Everything one carrier reply says about one tracking number, or why it said nothing."""

    tracking_number: str
    status: Status = Status.PENDING
    substatus: str = ""
    events: list[TrackEvent] = field(default_factory=list)
    estimate: Estimate | None = None
    delivered_at: datetime | None = None
    signed_by: str = ""
    service: str = ""
    error: ErrorKind | None = None
    error_message: str = ""
    unknown_codes: list[str] = field(default_factory=list)
    retry_after: float | None = None  # a rate-limited result: seconds before asking again, when known

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(
        cls, tracking_number: str, kind: ErrorKind, message: str, retry_after: float | None = None
    ) -> TrackResult:
        return cls(tracking_number=tracking_number, error=kind, error_message=message[:500], retry_after=retry_after)
