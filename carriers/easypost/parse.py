"""Pure parsing of EasyPost replies (a Tracker, a `{trackers: [...]}` page, or an Event) into results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from carriers.base import bad_body, guarded_parse
from carriers.easypost.codes import lookup
from carriers.result import Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, parse_date


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    """Every Tracker the body holds; an `error` envelope holds none (the adapter reads its HTTP status)."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise bad_body("top level is not an object")
    return [parse_tracker(tracker) for tracker in trackers_in(doc)]


def trackers_in(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The Tracker objects of a reply, whichever of the documented envelopes it uses."""
    if doc.get("object") == "Tracker":
        return [doc]
    if doc.get("object") == "Event":
        result = doc["result"]
        return [result] if isinstance(result, dict) and result.get("object") == "Tracker" else []
    if "trackers" in doc:
        trackers = doc["trackers"]
        if not isinstance(trackers, list):
            raise bad_body("trackers is not a list")
        return trackers
    if "error" in doc:
        return []
    raise bad_body("neither a Tracker, a tracker list nor an error")


def parse_tracker(tracker: dict[str, Any]) -> TrackResult:
    number = tracker["tracking_code"]
    if not isinstance(number, str) or not number:
        raise bad_body("tracker without tracking_code")
    status, substatus, _, unknown = lookup(str(tracker["status"]), str(tracker.get("status_detail") or ""))
    events = sorted(
        (parse_detail(detail, unknown) for detail in tracker.get("tracking_details") or []),
        key=lambda event: event.time,
        reverse=True,
    )
    carrier_detail = tracker.get("carrier_detail") or {}
    return TrackResult(
        tracking_number=number,
        status=status,
        substatus=substatus,
        events=events,
        estimate=estimate(tracker, carrier_detail),
        delivered_at=delivered_at(status, events),
        signed_by=tracker.get("signed_by") or "",
        service=carrier_detail.get("service") or "",
        unknown_codes=unknown,
    )


def parse_detail(detail: dict[str, Any], unknown: list[str]) -> TrackEvent:
    code, sub = str(detail["status"]), str(detail.get("status_detail") or "")
    status, substatus, action, unknown_here = lookup(code, sub)
    unknown.extend(c for c in unknown_here if c not in unknown)
    raw_time = detail["datetime"]
    moment = iso_to_utc(raw_time)
    if moment is None:
        # EasyPost documents UTC `Z` times; anything else is drift, not a wall time to guess at.
        raise bad_body(f"tracking detail time without offset: {raw_time!r}")
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=detail.get("carrier_code") or f"{code}.{sub}",
        description=detail.get("message") or detail.get("description") or "",
        location=location(detail.get("tracking_location") or {}),
        substatus=substatus,
        action_required=action,
        local_time=raw_time,
    )


def location(place: dict[str, Any]) -> str:
    parts = (place.get("city"), place.get("state"), place.get("zip"), place.get("country"))
    return ", ".join(str(part) for part in parts if part)


def estimate(tracker: dict[str, Any], carrier_detail: dict[str, Any]) -> Estimate | None:
    # The carrier's local date is the promise the shopper sees; EasyPost's UTC stamp is a fallback.
    day = parse_date(carrier_detail.get("est_delivery_date_local") or "") or parse_date(
        tracker.get("est_delivery_date") or ""
    )
    return Estimate.on(day) if day else None


def delivered_at(status: Status, events: list[TrackEvent]) -> datetime | None:
    if status is not Status.DELIVERED:
        return None
    return next((event.time for event in events if event.status is Status.DELIVERED), None)
