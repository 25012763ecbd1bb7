"""Pure parsing of Shippo Track objects (polled, or wrapped in a `track_updated` webhook) into results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.shippo.codes import lookup
from carriers.status import Status
from carriers.times import iso_to_utc, parse_date

NO_INFORMATION = "Shippo has no tracking information for this number yet"


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    """The Track in the body (bare, or as a webhook's `data`); an error body such as `{detail}` holds none."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise bad_body("top level is not an object")
    if "event" in doc and "data" in doc:
        doc = doc["data"]
    if "tracking_number" not in doc:
        if "detail" in doc or "carrier" in doc:
            return []
        raise bad_body("no tracking_number")
    return [parse_track(doc)]


def parse_track(track: dict[str, Any]) -> TrackResult:
    number = track["tracking_number"]
    if not isinstance(number, str) or not number:
        raise bad_body("empty tracking_number")
    current = track["tracking_status"]
    history = track["tracking_history"]
    if not isinstance(history, list):
        raise bad_body("tracking_history is not a list")
    if current is None and not history:
        # Shippo answers an unknown number with 201 and a null status: soft, re-poll later.
        return TrackResult.failed(number, ErrorKind.NOT_FOUND, NO_INFORMATION)
    unknown: list[str] = []
    events = sorted((parse_event(item, unknown) for item in history), key=lambda e: e.time, reverse=True)
    status, substatus = current_status(current, events, unknown)
    return TrackResult(
        tracking_number=number,
        status=status,
        substatus=substatus,
        events=events,
        estimate=estimate(track),
        delivered_at=delivered_at(status, current, events),
        service=(track.get("servicelevel") or {}).get("name") or "",
        unknown_codes=unknown,
    )


def classify(item: dict[str, Any], unknown: list[str]) -> tuple[Status, str, bool]:
    sub = item.get("substatus") or {}
    status, slug, action, missing = lookup(
        str(item["status"]), str(sub.get("code") or ""), bool(sub.get("action_required"))
    )
    unknown.extend(code for code in missing if code not in unknown)
    return status, slug, action


def parse_event(item: dict[str, Any], unknown: list[str]) -> TrackEvent:
    status, slug, action = classify(item, unknown)
    raw_time = item["status_date"]
    moment = iso_to_utc(raw_time or "")
    if moment is None:
        # Shippo documents status_date as UTC `Z`; a bare time here is drift, not something to guess.
        raise bad_body(f"status_date without offset: {raw_time!r}")
    sub = item.get("substatus") or {}
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=str(sub.get("code") or item["status"]),
        description=item.get("status_details") or "",
        location=location(item.get("location") or {}),
        substatus=slug,
        action_required=action,
        local_time=raw_time,
    )


def current_status(current: dict[str, Any] | None, events: list[TrackEvent], unknown: list[str]) -> tuple[Status, str]:
    if current is not None:
        status, slug, _ = classify(current, unknown)
        return status, slug
    return (events[0].status, events[0].substatus) if events else (Status.PENDING, "")


def location(place: dict[str, Any]) -> str:
    parts = (place.get("city"), place.get("state"), place.get("zip"), place.get("country"))
    return ", ".join(str(part) for part in parts if part)


def estimate(track: dict[str, Any]) -> Estimate | None:
    day = parse_date(track.get("eta") or "")
    return Estimate.on(day) if day else None


def delivered_at(status: Status, current: dict[str, Any] | None, events: list[TrackEvent]) -> datetime | None:
    if status is not Status.DELIVERED:
        return None
    stamp = iso_to_utc((current or {}).get("status_date") or "")
    return stamp or next((e.time for e in events if e.status is Status.DELIVERED), None)
