"""Parse DHL Shipment Tracking – Unified replies (`/track/shipments`, or its problem+json errors)."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.dhl.codes import lookup
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, parse_date, place_zone

# Services whose bare local times belong to one country (carrier-apis.md §4: parcel-de sends no offset).
SERVICE_COUNTRIES = {"parcel-de": "DE", "post-de": "DE", "parcel-nl": "NL", "parcel-pl": "PL", "parcel-uk": "GB"}
# Neither service, scan nor shipment places a bare time: read it in DHL's home zone (Bonn) rather than UTC.
HOME_ZONE = ZoneInfo("Europe/Berlin")
PROBLEM_KINDS = {401: ErrorKind.AUTH, 403: ErrorKind.AUTH, 404: ErrorKind.NOT_FOUND, 429: ErrorKind.RATE_LIMITED}


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise bad_body("DHL reply is not a JSON object")
    if "shipments" in data:
        return _pick_per_number([_shipment(s) for s in data["shipments"]])
    if "status" in data and "title" in data:
        return [_problem(data)]
    raise bad_body("DHL reply has neither shipments nor a problem description")


def _problem(data: dict[str, Any]) -> TrackResult:
    """A problem+json error; it names no number (the adapter knows which one it asked)."""
    kind = PROBLEM_KINDS.get(int(data["status"]), ErrorKind.BAD_RESPONSE)
    return TrackResult.failed("", kind, f"{data['title']}: {data.get('detail', '')}")


def _pick_per_number(results: list[TrackResult]) -> list[TrackResult]:
    """DHL may answer one number with shipments of several services: keep the most recently scanned."""
    best: dict[str, TrackResult] = {}
    for result in results:
        current = best.get(result.tracking_number)
        if current is None or _latest(result) > _latest(current):
            best[result.tracking_number] = result
    return list(best.values())


def _latest(result: TrackResult) -> datetime:
    return result.events[0].time if result.events else datetime.min.replace(tzinfo=HOME_ZONE)


def _shipment(shipment: dict[str, Any]) -> TrackResult:
    zone = _shipment_zone(shipment)
    result = TrackResult(tracking_number=str(shipment["id"]))
    for raw in shipment.get("events") or []:
        result.events.append(_event(raw, zone, result.unknown_codes))
    result.events.sort(key=lambda e: e.time, reverse=True)
    current = shipment.get("status")
    if current:
        now = _event(current, zone, result.unknown_codes)
        result.status, result.substatus = now.status, now.substatus
    elif result.events:
        result.status, result.substatus = result.events[0].status, result.events[0].substatus
    delivered = [e.time for e in result.events if e.status is Status.DELIVERED]
    if result.status is Status.DELIVERED:
        result.delivered_at = delivered[0] if delivered else None
    result.estimate = _estimate(shipment)
    details = shipment.get("details") or {}
    result.service = str((details.get("product") or {}).get("productName") or shipment.get("service") or "")
    return result


def _shipment_zone(shipment: dict[str, Any]) -> tzinfo:
    countries = [
        SERVICE_COUNTRIES.get(str(shipment.get("service") or "")),
        ((shipment.get("destination") or {}).get("address") or {}).get("countryCode"),
        ((shipment.get("origin") or {}).get("address") or {}).get("countryCode"),
    ]
    for country in countries:
        zone = place_zone(country)
        if zone is not None:
            return zone
    return HOME_ZONE


def _event(raw: dict[str, Any], zone: tzinfo, unknown: list[str]) -> TrackEvent:
    code = str(raw.get("statusCode") or "")
    text = str(raw.get("description") or raw.get("status") or "").strip()
    (status, substatus, action), known = lookup(code, text)
    if not known and code not in unknown:
        unknown.append(code)
    stamp = str(raw["timestamp"])
    address = (raw.get("location") or {}).get("address") or {}
    here = place_zone(address.get("countryCode")) or zone
    return TrackEvent(
        time=iso_to_utc(stamp) or local_to_utc(datetime.fromisoformat(stamp), here),
        status=status,
        carrier_code=code,
        description=text,
        location=", ".join(str(address[k]) for k in ("addressLocality", "postalCode", "countryCode") if address.get(k)),
        substatus=substatus,
        action_required=action,
        local_time=stamp,
    )


def _estimate(shipment: dict[str, Any]) -> Estimate | None:
    frame = shipment.get("estimatedDeliveryTimeFrame") or {}
    start, end = str(frame.get("estimatedFrom") or ""), str(frame.get("estimatedThrough") or "")
    days = [day for day in (parse_date(start), parse_date(end)) if day]
    if days:
        return Estimate(days[0], days[-1], iso_to_utc(start) if start else None, iso_to_utc(end) if end else None)
    day = parse_date(str(shipment.get("estimatedTimeOfDelivery") or ""))
    return Estimate.on(day) if day else None
