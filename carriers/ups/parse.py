"""Parse UPS Track API v1 replies (and Track Alert pushes) into `TrackResult`s."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import local_to_utc, parse_date, parse_offset, place_zone
from carriers.ups.codes import lookup

NOT_FOUND_CODES = ("TW0001", "TV1002", "TV1003")
# A scan whose place (and its package's places) fixes no zone: UPS runs its network from Atlanta, so read
# the wall time as US Eastern rather than UTC; that keeps the error within the span of US zones.
HOME_ZONE = ZoneInfo("America/New_York")


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise bad_body("UPS reply is not a JSON object")
    if "trackResponse" in data:
        return [_shipment(shipment) for shipment in data["trackResponse"]["shipment"]]
    if "response" in data:
        return [_errors(data["response"]["errors"])]
    raise bad_body("UPS reply has neither trackResponse nor response")


def _errors(errors: list[dict[str, Any]]) -> TrackResult:
    """A request-level `response.errors` reply (the number is not in it; the adapter knows it)."""
    code, message = str(errors[0]["code"]), str(errors[0].get("message", ""))
    if code.startswith("250"):
        kind = ErrorKind.AUTH
    elif code == "10429":
        kind = ErrorKind.RATE_LIMITED
    elif code.startswith(("TV", "TW")):
        kind = ErrorKind.NOT_FOUND
    else:
        kind = ErrorKind.BAD_RESPONSE
    return TrackResult.failed("", kind, f"{code} {message}".strip())


def _shipment(shipment: dict[str, Any]) -> TrackResult:
    number = str(shipment.get("inquiryNumber") or "").strip()
    packages = shipment.get("package") or []
    if not packages:
        warnings = shipment.get("warnings") or []
        if warnings:
            warning = warnings[0]
            kind = ErrorKind.NOT_FOUND if warning.get("code") in NOT_FOUND_CODES else ErrorKind.BAD_RESPONSE
            return TrackResult.failed(number, kind, f"{warning.get('code')} {warning.get('message', '')}".strip())
        raise bad_body("UPS shipment has neither package nor warnings")
    chosen = next((p for p in packages if p.get("trackingNumber") == number), packages[0])
    return _package(number or str(chosen["trackingNumber"]), chosen)


def _package(number: str, package: dict[str, Any]) -> TrackResult:
    activities = package.get("activity") or []
    zone = _package_zone(package, activities)
    result = TrackResult(tracking_number=number)
    for activity in activities:
        event = _activity_event(activity, zone, result.unknown_codes)
        if event is not None:
            result.events.append(event)
    result.events.sort(key=lambda e: e.time, reverse=True)
    _apply_status(result, package.get("currentStatus"))
    result.estimate = _estimate(package, _destination_zone(package) or zone)
    result.signed_by = str((package.get("deliveryInformation") or {}).get("receivedBy") or "").strip()
    result.service = str((package.get("service") or {}).get("description") or "").strip()
    return result


def _apply_status(result: TrackResult, current: dict[str, Any] | None) -> None:
    """Current status from UPS's own `currentStatus` when given, else from the newest scan."""
    if current and (current.get("statusCode") or current.get("type")):
        (status, substatus, _), known = lookup(str(current.get("statusCode", "")), str(current.get("type", "")))
        if not known:
            _count(result.unknown_codes, str(current.get("statusCode") or current.get("type")))
        result.status, result.substatus = status, substatus
    elif result.events:
        result.status, result.substatus = result.events[0].status, result.events[0].substatus
    delivered = [e for e in result.events if e.status is Status.DELIVERED]
    if result.status is Status.DELIVERED and delivered:
        result.delivered_at = delivered[0].time


def _count(unknown: list[str], code: str) -> None:
    if code not in unknown:
        unknown.append(code)


def _activity_event(activity: dict[str, Any], zone: tzinfo, unknown: list[str]) -> TrackEvent | None:
    day, clock = str(activity.get("date") or ""), str(activity.get("time") or "")
    if not day:
        return None  # an undated scan cannot be placed in the history
    wall = wall_time(day, clock)
    gmt_day, gmt_clock = str(activity.get("gmtDate") or ""), str(activity.get("gmtTime") or "")
    if gmt_day and gmt_clock:
        moment = wall_time(gmt_day, gmt_clock).replace(tzinfo=UTC)
    else:
        address = (activity.get("location") or {}).get("address") or {}
        offset = parse_offset(str(activity.get("gmtOffset") or ""))
        here = offset or place_zone(address.get("countryCode") or address.get("country"), address.get("stateProvince"))
        moment = local_to_utc(wall, here or zone)
    status = activity.get("status") or {}
    return make_event(status, (activity.get("location") or {}).get("address") or {}, moment, wall, unknown)


def make_event(
    status: Mapping[str, Any], address: Mapping[str, Any], moment: datetime, wall: datetime, unknown: list[str]
) -> TrackEvent:
    """One scan from UPS's status block (`statusCode` in Track, `descriptionCode` in Track Alert)."""
    status_code = str(status.get("statusCode") or status.get("descriptionCode") or "")
    kind = str(status.get("type") or "")
    (canonical, substatus, action), known = lookup(status_code, kind)
    if not known:
        _count(unknown, status_code or f"type:{kind}")
    return TrackEvent(
        time=moment,
        status=canonical,
        carrier_code=f"{kind}/{status.get('code', '')}/{status_code}",
        description=str(status.get("description") or "").strip(),
        location=_place(address),
        substatus=substatus,
        action_required=action,
        local_time=wall.isoformat(),
    )


def wall_time(day: str, clock: str) -> datetime:
    """'20240423' + '091519' or '09:15:19' → a naive wall time."""
    digits = clock.replace(":", "").ljust(6, "0")[:6]
    return datetime.strptime(day[:8] + digits, "%Y%m%d%H%M%S")


def _place(address: Mapping[str, Any]) -> str:
    parts = (address.get("city"), address.get("stateProvince"), address.get("countryCode") or address.get("country"))
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip())


def _package_zone(package: dict[str, Any], activities: list[dict[str, Any]]) -> tzinfo:
    """The zone for scans that name no place: the nearest scan or package address that does, else UPS's home."""
    addresses = [(a.get("location") or {}).get("address") or {} for a in activities]
    addresses += [p.get("address") or {} for p in package.get("packageAddress") or []]
    for address in addresses:
        zone = place_zone(address.get("countryCode") or address.get("country"), address.get("stateProvince"))
        if zone is not None:
            return zone
    return HOME_ZONE


def _destination_zone(package: dict[str, Any]) -> tzinfo | None:
    for entry in package.get("packageAddress") or []:
        address = entry.get("address") or {}
        if str(entry.get("type", "")).upper().startswith("DESTINATION"):
            return place_zone(address.get("countryCode") or address.get("country"), address.get("stateProvince"))
    return None


def _estimate(package: dict[str, Any], zone: tzinfo) -> Estimate | None:
    """Rescheduled (RDD) over scheduled (SDD) delivery date, with the time window when UPS gives one."""
    by_type = {str(d.get("type")): parse_date(str(d.get("date") or "")) for d in package.get("deliveryDate") or []}
    day = by_type.get("RDD") or by_type.get("SDD")
    if day is None:
        return None
    window = package.get("deliveryTime") or {}
    return Estimate(
        earliest=day,
        latest=day,
        window_start=_clock_on(day, window.get("startTime"), zone),
        window_end=_clock_on(day, window.get("endTime"), zone),
    )


def _clock_on(day: date, clock: object, zone: tzinfo) -> datetime | None:
    text = str(clock or "")
    if len(text.replace(":", "")) < 4 or not text.replace(":", "").isdigit():
        return None
    return local_to_utc(wall_time(day.strftime("%Y%m%d"), text), zone)
