"""Parse FedEx Track API replies (POST /track/v1/trackingnumbers) into `TrackResult`s."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.fedex.codes import lookup
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, parse_date, place_zone

# A scan with neither an offset nor a placeable location (rare; carrier-apis.md §2 "Quirk") is read in the
# zone of FedEx's Memphis hub rather than as UTC.
HOME_ZONE = ZoneInfo("America/Chicago")
REQUEST_ERROR_KINDS = {
    "NOT.AUTHORIZED.ERROR": ErrorKind.AUTH,
    "FORBIDDEN.ERROR": ErrorKind.AUTH,
    "INTERNAL.SERVER.ERROR": ErrorKind.UNAVAILABLE,
    "SERVICE.UNAVAILABLE.ERROR": ErrorKind.UNAVAILABLE,
}


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise bad_body("FedEx reply is not a JSON object")
    if "output" in data:
        return [_complete(entry) for entry in data["output"]["completeTrackResults"]]
    if "errors" in data:
        return [_request_error(data["errors"][0])]
    raise bad_body("FedEx reply has neither output nor errors")


def _request_error(error: dict[str, Any]) -> TrackResult:
    """A whole-request error: it names no number, so the adapter applies it to the batch."""
    code = str(error["code"])
    kind = REQUEST_ERROR_KINDS.get(code, ErrorKind.BAD_RESPONSE)
    return TrackResult.failed("", kind, f"{code}: {error.get('message', '')}")


def _complete(entry: dict[str, Any]) -> TrackResult:
    number = str(entry["trackingNumber"])
    candidates = [_track_result(number, tr) for tr in entry["trackResults"]]
    if not candidates:
        raise bad_body(f"FedEx gave no trackResults for {number}")
    # FedEx reuses numbers and may return several shipments: the one with the latest scan is ours.
    found = [c for c in candidates if c.ok]
    if not found:
        return candidates[0]
    return max(found, key=lambda r: r.events[0].time if r.events else datetime.min.replace(tzinfo=HOME_ZONE))


def _track_result(number: str, track: dict[str, Any]) -> TrackResult:
    error = track.get("error")
    if error and not track.get("scanEvents") and not track.get("latestStatusDetail"):
        return TrackResult.failed(number, ErrorKind.NOT_FOUND, f"{error.get('code')}: {error.get('message', '')}")
    result = TrackResult(tracking_number=number)
    scans = track.get("scanEvents") or []
    for scan in scans:
        result.events.append(_event(scan, result.unknown_codes))
    result.events.sort(key=lambda e: e.time, reverse=True)
    _apply_status(result, track.get("latestStatusDetail") or {})
    times = {str(d.get("type")): str(d.get("dateTime") or "") for d in track.get("dateAndTimes") or []}
    result.estimate = _estimate(track, times)
    if result.status is Status.DELIVERED:
        delivered = [e.time for e in result.events if e.status is Status.DELIVERED]
        result.delivered_at = iso_to_utc(times.get("ACTUAL_DELIVERY", "")) or (delivered[0] if delivered else None)
    result.signed_by = str((track.get("deliveryDetails") or {}).get("receivedByName") or "").strip()
    result.service = str((track.get("serviceDetail") or {}).get("description") or "").strip()
    return result


def _apply_status(result: TrackResult, latest: dict[str, Any]) -> None:
    code = str(latest.get("code") or "")
    if code:
        (status, substatus, _), known = lookup(code)
        if not known and code not in result.unknown_codes:
            result.unknown_codes.append(code)
        result.status, result.substatus = status, substatus
    elif result.events:
        result.status, result.substatus = result.events[0].status, result.events[0].substatus


def _event(scan: dict[str, Any], unknown: list[str]) -> TrackEvent:
    code = str(scan.get("eventType") or "")
    (status, substatus, action), known = lookup(code)
    if not known and code not in unknown:
        unknown.append(code)
    place = scan.get("scanLocation") or {}
    description = str(scan.get("eventDescription") or "").strip()
    if scan.get("exceptionDescription"):
        description = f"{description}: {str(scan['exceptionDescription']).strip()}"
    stamp = str(scan["date"])
    return TrackEvent(
        time=_scan_time(stamp, place),
        status=status,
        carrier_code=code,
        description=description,
        location=", ".join(str(place[k]) for k in ("city", "stateOrProvinceCode", "countryCode") if place.get(k)),
        substatus=substatus,
        action_required=action,
        local_time=stamp[:19],
    )


def _scan_time(stamp: str, place: dict[str, Any]) -> datetime:
    """ISO with the facility's offset; some scans carry none, and are read in their location's zone."""
    moment = iso_to_utc(stamp)
    if moment is not None:
        return moment
    zone = place_zone(place.get("countryCode"), place.get("stateOrProvinceCode")) or HOME_ZONE
    return local_to_utc(datetime.fromisoformat(stamp), zone)


def _estimate(track: dict[str, Any], times: dict[str, str]) -> Estimate | None:
    """The delivery window when FedEx gives one, else its estimated or committed day, else standard transit."""
    window = (track.get("estimatedDeliveryTimeWindow") or {}).get("window") or {}
    begins, ends = str(window.get("begins") or ""), str(window.get("ends") or "")
    days = [day for day in (parse_date(begins), parse_date(ends)) if day]
    if days:
        return Estimate(
            earliest=days[0],
            latest=days[-1],
            window_start=iso_to_utc(begins) if begins else None,
            window_end=iso_to_utc(ends) if ends else None,
        )
    standard = ((track.get("standardTransitTimeWindow") or {}).get("window") or {}).get("ends") or ""
    for text in (times.get("ESTIMATED_DELIVERY"), times.get("COMMITMENT"), standard):
        day = parse_date(text or "")
        if day:
            return Estimate.on(day)
    return None
