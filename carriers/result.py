"""Normalised tracking results: what every carrier's `parse` returns, whatever the carrier said."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

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
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("TrackEvent.time must be timezone-aware")

    def fingerprint(self, carrier: str, tracking_number: str) -> str:
        """Stable identity of the scan, so a re-sent or re-ordered history never duplicates it."""
        # isoformat of the whole-second naive UTC time is "%Y-%m-%dT%H:%M:%S", at a fraction of strftime's cost.
        moment = self.time.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
        location = " ".join(self.location.split()).upper()
        key = f"{carrier}|{tracking_number.upper()}|{self.carrier_code.strip().upper()}|{moment}Z|{location}"
        return hashlib.sha256(key.encode()).hexdigest()[:40]


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

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(cls, tracking_number: str, kind: ErrorKind, message: str) -> TrackResult:
        return cls(tracking_number=tracking_number, error=kind, error_message=message[:500])
