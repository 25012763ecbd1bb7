"""The dashboard's filters (date range, carrier, stuck threshold), read from query parameters with clear errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from carriers.registry import CARRIER_CODES

DEFAULT_DAYS = 30
MAX_DAYS = 731
DEFAULT_STUCK_DAYS = 7


class FilterError(ValueError):
    """A filter value that cannot be used; `field` names the query parameter."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Filters:
    """Orders placed from `start` to `end` (inclusive, UTC days), optionally only those shipped with `carrier`."""

    merchant_id: int
    start: date
    end: date
    now: datetime
    carrier: str | None = None
    stuck_days: int = DEFAULT_STUCK_DAYS
    attribution_days: int = 7

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def query_string(self) -> str:
        parts = [f"start={self.start.isoformat()}", f"end={self.end.isoformat()}", f"stuck_days={self.stuck_days}"]
        if self.carrier:
            parts.append(f"carrier={self.carrier}")
        return "&".join(parts)


def _date(params: Mapping[str, str], field: str, default: date) -> date:
    raw = params.get(field, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(field, "must be a date written YYYY-MM-DD") from None


def _stuck_days(params: Mapping[str, str]) -> int:
    raw = params.get("stuck_days", "").strip()
    if not raw:
        return DEFAULT_STUCK_DAYS
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        raise FilterError("stuck_days", "must be a whole number of days from 1 to 365")
    return int(raw)


def parse_filters(params: Mapping[str, str], *, merchant_id: int, now: datetime, attribution_days: int = 7) -> Filters:
    """Filters from query parameters `start`, `end`, `carrier`, `stuck_days`; the default is the last 30 days."""
    today = now.astimezone(UTC).date()
    end = _date(params, "end", today)
    start = _date(params, "start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise FilterError("start", "must not be after the end date")
    if (end - start).days >= MAX_DAYS:
        raise FilterError("start", f"the range may cover at most {MAX_DAYS} days")
    carrier = params.get("carrier", "").strip() or None
    if carrier is not None and carrier not in CARRIER_CODES:
        raise FilterError("carrier", "is not a known carrier code")
    return Filters(
        merchant_id=merchant_id,
        start=start,
        end=end,
        now=now,
        carrier=carrier,
        stuck_days=_stuck_days(params),
        attribution_days=attribution_days,
    )
