"""Parse legacy Web Tools TrackV2 XML (`TrackResponse`) for stored or imported replies; the adapter uses v3."""

from __future__ import annotations

from datetime import datetime, tzinfo
from xml.etree.ElementTree import Element, fromstring

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.times import local_to_utc, place_zone
from carriers.usps.parse import HOME_ZONE, apply_status, clean, make_event

NOT_FOUND_ERRORS = {"-2147219302", "-2147219301"}


@guarded_parse
def parse_xml(body: bytes) -> list[TrackResult]:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise bad_body("TrackV2 replies never declare a DTD")  # refuse entity tricks before parsing
    root = fromstring(body)
    if root.tag != "TrackResponse":
        raise bad_body(f"expected TrackResponse, got {root.tag}")
    return [_info(info) for info in root.findall("TrackInfo")]


def _text(node: Element, tag: str) -> str:
    return (node.findtext(tag) or "").strip()


def _info(info: Element) -> TrackResult:
    number = info.attrib["ID"]
    error = info.find("Error")
    if error is not None:
        kind = ErrorKind.NOT_FOUND if _text(error, "Number") in NOT_FOUND_ERRORS else ErrorKind.BAD_RESPONSE
        return TrackResult.failed(number, kind, f"{_text(error, 'Number')}: {_text(error, 'Description')}")
    home = place_zone("US", _text(info, "OriginState")) or HOME_ZONE
    result = TrackResult(tracking_number=number)
    for node in [*info.findall("TrackSummary"), *info.findall("TrackDetail")]:
        wall = _wall(_text(node, "EventDate"), _text(node, "EventTime"))
        zone: tzinfo = place_zone(_text(node, "EventCountry") or "US", _text(node, "EventState")) or home
        place = ", ".join(
            t for t in (_text(node, "EventCity"), _text(node, "EventState"), _text(node, "EventZIPCode")) if t
        )
        event = make_event(
            _text(node, "EventCode"),
            clean(_text(node, "Event")),
            local_to_utc(wall, zone),
            wall,
            place,
            result.unknown_codes,
        )
        result.events.append(event)
    result.events.sort(key=lambda e: e.time, reverse=True)
    apply_status(result, _text(info, "StatusCategory"))
    result.service = clean(_text(info, "Class"))
    day = _text(info, "ExpectedDeliveryDate") or _text(info, "PredictedDeliveryDate")
    result.estimate = Estimate.on(datetime.strptime(day, "%B %d, %Y").date()) if day else None
    return result


def _event(node: Element, home: tzinfo, unknown: list[str]) -> TrackEvent:
    """One TrackSummary/TrackDetail: prose date and time, local to the event's state (no offset is given)."""
    wall = _wall(_text(node, "EventDate"), _text(node, "EventTime"))
    zone = place_zone(_text(node, "EventCountry") or "US", _text(node, "EventState")) or home
    place = ", ".join(filter(None, (_text(node, tag) for tag in ("EventCity", "EventState", "EventZIPCode"))))
    text = clean(_text(node, "Event"))
    return make_event(_text(node, "EventCode"), text, local_to_utc(wall, zone), wall, place, unknown)


def _wall(day: str, clock: str) -> datetime:
    """'January 6, 2016' + '10:45 pm' (the time may be empty) → a naive wall time."""
    moment = datetime.strptime(day, "%B %d, %Y")
    if clock:
        parsed = datetime.strptime(clock.upper(), "%I:%M %p")
        moment = moment.replace(hour=parsed.hour, minute=parsed.minute)
    return moment
