"""Parse USPS Tracking API v3 replies (expand=DETAIL, or the 400 error body) into `TrackResult`s."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import local_to_utc, parse_date, parse_offset, place_zone
from carriers.usps.codes import category, lookup

# USPS's 1500xx codes are all answers about the number itself (unknown, not yet scanned, not trackable here).
NOT_FOUND_PREFIX = "1500"
# A scan with no GMTOffset and no place (label events) happened where the shipper is; failing that, USPS's
# headquarters zone is nearer the truth than UTC for a domestic service.
HOME_ZONE = ZoneInfo("America/New_York")
ESTIMATE_FIELDS = (
    "expectedDeliveryTimeStamp",
    "expectedDeliveryDate",
    "predictedDeliveryTimeStamp",
    "predictedDeliveryDate",
)
_TAG = re.compile(r"<[^>]+>")


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise bad_body("USPS reply is not a JSON object")
    if "trackingEvents" in data:
        return [_detail(data)]
    if "error" in data:
        return [_error(data["error"])]
    if "TrackResults" in data:
        raise bad_body("USPS SUMMARY reply has no events; ask with expand=DETAIL")
    raise bad_body("USPS reply has neither trackingEvents nor error")


def clean(text: object) -> str:
    """USPS text carries HTML (`<SUP>&#153;</SUP>`): strip tags, decode entities, trim the trailing ' - '."""
    return html.unescape(_TAG.sub("", str(text or ""))).strip().removesuffix(" -").strip()


def _error(error: Mapping[str, Any]) -> TrackResult:
    """The 400 body for an unknown number; it does not repeat the number, the adapter fills it in."""
    details = error.get("errors") or [{}]
    code = str(details[0].get("code") or error.get("code") or "")
    message = clean(details[0].get("title") or error["message"])
    kind = ErrorKind.NOT_FOUND if code.startswith(NOT_FOUND_PREFIX) else ErrorKind.BAD_RESPONSE
    return TrackResult.failed("", kind, f"{code}: {message}")


def _detail(data: Mapping[str, Any]) -> TrackResult:
    result = TrackResult(tracking_number=str(data["trackingNumber"]))
    home = place_zone("US", data.get("originState")) or place_zone("US", data.get("destinationState")) or HOME_ZONE
    for raw in data["trackingEvents"]:
        result.events.append(_event(raw, home, result.unknown_codes))
    result.events.sort(key=lambda e: e.time, reverse=True)
    apply_status(result, str(data.get("statusCategory") or ""))
    result.service = clean(data.get("mailClass"))
    result.estimate = _estimate(data)
    return result


def apply_status(result: TrackResult, status_category: str) -> None:
    """USPS's statusCategory is its current status; the newest scan speaks when the category is missing."""
    row = category(status_category) if status_category else None
    newest = result.events[0] if result.events else None
    if row is not None:
        status, substatus, _ = row
        if newest is not None and newest.status is status:
            substatus = newest.substatus  # the scan's own detail, e.g. which kind of facility
        result.status, result.substatus = status, substatus
    elif newest is not None:
        if status_category:
            result.unknown_codes.append(f"category:{status_category}")
        result.status, result.substatus = newest.status, newest.substatus
    delivered = [e for e in result.events if e.status is Status.DELIVERED]
    if result.status is Status.DELIVERED and delivered:
        result.delivered_at = delivered[0].time


def _event(raw: Mapping[str, Any], home: tzinfo, unknown: list[str]) -> TrackEvent:
    # eventTimestamp is local time; a trailing "Z" (2023 README example) is false, so it is dropped.
    stamp = str(raw["eventTimestamp"])
    wall = datetime.fromisoformat(stamp[:19])
    zone = (
        parse_offset(str(raw.get("GMTOffset") or ""))
        or place_zone(raw.get("eventCountry") or "US", raw.get("eventState"))
        or home
    )
    place = ", ".join(str(raw[k]) for k in ("eventCity", "eventState", "eventZIP", "eventCountry") if raw.get(k))
    return make_event(
        str(raw.get("eventCode") or ""), clean(raw.get("eventType")), local_to_utc(wall, zone), wall, place, unknown
    )


def make_event(code: str, text: str, moment: datetime, wall: datetime, place: str, unknown: list[str]) -> TrackEvent:
    (status, substatus, action), known = lookup(code)
    if not known and code not in unknown:
        unknown.append(code)
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=code,
        description=text,
        location=place,
        substatus=substatus,
        action_required=action,
        local_time=wall.isoformat(),
    )


def _estimate(data: Mapping[str, Any]) -> Estimate | None:
    for key in (
        "expectedDeliveryTimeStamp",
        "expectedDeliveryDate",
        "predictedDeliveryTimeStamp",
        "predictedDeliveryDate",
    ):
        day = parse_date(str(data.get(key) or ""))
        if day:
            return Estimate.on(day)
    return None
