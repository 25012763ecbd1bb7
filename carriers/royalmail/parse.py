"""Pure parsing of Royal Mail Tracking v2 `mailpieces/{id}/events` replies; error documents read separately."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.result import Estimate, TrackEvent, TrackResult
from carriers.royalmail.codes import FALLBACK, category_lookup, lookup
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, parse_date

# Royal Mail stamps times with a UK offset; a bare one is read as UK wall time.
HOME_ZONE = ZoneInfo("Europe/London")


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if "mailPieces" not in data:
        raise bad_body("carrier error document: " + error_text(data))
    return [_mail_piece(data["mailPieces"])]


def read_errors(body: bytes) -> list[tuple[str, str]]:
    """(errorCode, errorDescription) pairs of an error document; [] for anything else, garbage included."""
    try:
        data = json.loads(body)
        errors = data.get("errors") if isinstance(data, dict) else None
        return [(str(e.get("errorCode", "")), str(e.get("errorDescription", ""))) for e in errors or []]
    except (ValueError, UnicodeDecodeError, AttributeError):
        return []


def error_text(data: dict[str, Any]) -> str:
    pairs = [f"{e.get('errorCode', '')} {e.get('errorDescription', '')}".strip() for e in data.get("errors") or []]
    return "; ".join(pairs) or str(data.get("httpMessage") or "no mailPieces")


def _mail_piece(piece: dict[str, Any]) -> TrackResult:
    summary = piece.get("summary") or {}
    events = sorted((_event(e) for e in piece.get("events") or []), key=lambda e: e.time, reverse=True)
    status, substatus = _current(summary, events)
    result = TrackResult(
        tracking_number=str(piece["mailPieceId"]),
        status=status,
        substatus=substatus,
        events=events,
        service=str(summary.get("productName") or ""),
        unknown_codes=_unknown(summary, events),
    )
    result.estimate = _estimate(piece.get("estimatedDelivery") or {})
    signature = piece.get("signature") or {}
    result.signed_by = str(signature.get("recipientName") or "")
    if status is Status.DELIVERED:
        delivered = [e.time for e in events if e.status is Status.DELIVERED]
        result.delivered_at = delivered[0] if delivered else _when(str(signature.get("signatureDateTime") or ""))
    return result


def _current(summary: dict[str, Any], events: list[TrackEvent]) -> tuple[Status, str]:
    """The last event code when known, else the status category, else the newest scan, else pending."""
    mapping = lookup(str(summary.get("lastEventCode") or "")) or category_lookup(
        str(summary.get("statusCategory") or "")
    )
    if mapping is not None:
        return mapping[0], mapping[1]
    if events:
        return events[0].status, events[0].substatus
    return Status.PENDING, ""


def _unknown(summary: dict[str, Any], events: list[TrackEvent]) -> list[str]:
    codes = [e.carrier_code for e in events] + [str(summary.get("lastEventCode") or "")]
    return list(dict.fromkeys(c for c in codes if c and lookup(c) is None))


def _event(raw: dict[str, Any]) -> TrackEvent:
    code = str(raw["eventCode"])
    status, substatus, action = lookup(code) or FALLBACK
    stamp = str(raw["eventDateTime"])
    moment = _when(stamp)
    if moment is None:
        raise bad_body(f"unreadable eventDateTime {stamp!r}")
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=code,
        description=str(raw.get("eventName") or ""),
        location=str(raw.get("locationName") or ""),
        substatus=substatus,
        action_required=action,
        local_time=stamp,
    )


def _estimate(raw: dict[str, Any]) -> Estimate | None:
    day = parse_date(str(raw.get("date") or ""))
    if day is None:
        return None
    start = _clock(day, str(raw.get("startOfEstimatedWindow") or ""))
    end = _clock(day, str(raw.get("endOfEstimatedWindow") or ""))
    return Estimate(earliest=day, latest=day, window_start=start, window_end=end)


def _clock(day: date, clock: str) -> datetime | None:
    """'08:00:00+01:00' on a given day → UTC; None when absent."""
    return _when(f"{day.isoformat()}T{clock}") if clock else None


def _when(text: str) -> datetime | None:
    if not text:
        return None
    moment = iso_to_utc(text)
    if moment is not None:
        return moment
    return local_to_utc(datetime.fromisoformat(text), HOME_ZONE)
