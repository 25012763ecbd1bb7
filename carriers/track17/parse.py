"""Pure parsing of 17TRACK v2.2 replies (gettrackinfo, or a TRACKING_UPDATED push) into results.

Event times: `time_utc` when given, else `time_iso` (which carries its offset), else `time_raw` read in
its own timezone or the event country's zone; the wall time is kept in `local_time`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, place_zone, zone
from carriers.track17.codes import event_lookup, lookup

NO_INFORMATION = "17TRACK has no tracking information for this number yet"


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    """Results for every accepted and rejected number; a whole-call error (`code` ≠ 0, no data) holds none."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or "data" not in doc:
        raise bad_body("no data")
    data = doc["data"]
    if "event" in doc:
        return [parse_item(data)] if doc["event"] == "TRACKING_UPDATED" else []
    if not isinstance(data, dict):
        raise bad_body("data is not an object")
    accepted = [parse_item(item) for item in data.get("accepted") or []]
    return accepted + [parse_rejection(item) for item in data.get("rejected") or []]


def rejections(body: bytes) -> dict[str, int]:
    """Rejected number → 17TRACK error code (the adapter registers the `not registered` ones)."""
    try:
        data = json.loads(body)["data"]
        return {item["number"]: error_of(item)[0] for item in data.get("rejected") or []}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def error_of(item: dict[str, Any]) -> tuple[int, str]:
    error = item.get("error") or {}
    code = error.get("code", item.get("error_code", 0))
    return int(code), str(error.get("message") or item.get("error_message") or "")


def parse_rejection(item: dict[str, Any]) -> TrackResult:
    code, message = error_of(item)
    return TrackResult.failed(str(item["number"]), ErrorKind.NOT_FOUND, f"{code}: {message}")


def parse_item(item: dict[str, Any]) -> TrackResult:
    number = item["number"]
    if not isinstance(number, str) or not number:
        raise bad_body("item without number")
    info = item.get("track_info")
    if not info:
        return TrackResult.failed(number, ErrorKind.NOT_FOUND, NO_INFORMATION)
    latest = info["latest_status"]
    status, substatus, _, unknown = lookup(str(latest["status"]), str(latest.get("sub_status") or ""))
    events = sorted(parse_events(info, unknown), key=lambda event: event.time, reverse=True)
    return TrackResult(
        tracking_number=number,
        status=status,
        substatus=substatus,
        events=events,
        estimate=estimate(info),
        delivered_at=delivered_at(status, info, events),
        service=(info.get("misc_info") or {}).get("service_type") or "",
        unknown_codes=unknown,
    )


def parse_events(info: dict[str, Any], unknown: list[str]) -> list[TrackEvent]:
    providers = (info.get("tracking") or {}).get("providers") or []
    return [parse_event(event, unknown) for provider in providers for event in provider.get("events") or []]


def parse_event(event: dict[str, Any], unknown: list[str]) -> TrackEvent:
    status, substatus, action, missing = event_lookup(str(event.get("stage") or ""), str(event.get("sub_status") or ""))
    unknown.extend(code for code in missing if code not in unknown)
    moment, wall = event_time(event)
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=str(event.get("sub_status") or event.get("stage") or ""),
        description=event.get("description") or "",
        location=event.get("location") or "",
        substatus=substatus,
        action_required=action,
        local_time=wall,
    )


def event_time(event: dict[str, Any]) -> tuple[datetime, str]:
    """(UTC time, carrier wall time) of an event, from whichever of the three forms it carries."""
    iso, utc = event.get("time_iso") or "", event.get("time_utc") or ""
    moment = iso_to_utc(utc) or iso_to_utc(iso)
    if moment is not None:
        return moment, iso[:19] or utc
    raw = event.get("time_raw") or {}
    wall_text = f"{raw.get('date') or ''}T{raw.get('time') or '00:00:00'}"
    wall = datetime.fromisoformat(wall_text)
    address = event.get("address") or {}
    where = zone(raw.get("timezone") or "") or place_zone(address.get("country") or "", address.get("state") or "")
    # With neither an offset nor a place the wall time is read as UTC: the only choice left.
    return local_to_utc(wall, where or UTC), wall_text


def estimate(info: dict[str, Any]) -> Estimate | None:
    window = (info.get("time_metrics") or {}).get("estimated_delivery_date") or {}
    low, high = window.get("from"), window.get("to")
    if not low and not high:
        return None
    start, end = day_of(low or high), day_of(high or low)
    return Estimate(earliest=start, latest=end, window_start=iso_to_utc(low or ""), window_end=iso_to_utc(high or ""))


def day_of(text: str) -> date:
    # The carrier's own calendar day is the promise, so the date is read before any UTC shift.
    return date.fromisoformat(text[:10])


def delivered_at(status: Status, info: dict[str, Any], events: list[TrackEvent]) -> datetime | None:
    if status is not Status.DELIVERED:
        return None
    for milestone in info.get("milestone") or []:
        if milestone.get("key_stage") == "Delivered":
            stamp = iso_to_utc(milestone.get("time_utc") or "") or iso_to_utc(milestone.get("time_iso") or "")
            if stamp:
                return stamp
    return next((event.time for event in events if event.status is Status.DELIVERED), None)
