"""Pure parsing of La Poste Suivi v2 replies (one shipment object, or an array of them) into results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import bad_body, guarded_parse
from carriers.laposte.codes import FALLBACK, lookup
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, parse_date

# La Poste stamps its events in French time; a date without an offset is Paris wall time.
HOME_ZONE = ZoneInfo("Europe/Paris")


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    items = data if isinstance(data, list) else [data]
    return [_one(item) for item in items]


def quota_message(body: bytes) -> str:
    """The gateway's quota text ('max quota reached …') from a 429 body, or '' when it has none."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict) and data.get("code") == "TOO_MANY_REQUESTS":
        return str(data.get("message", ""))
    return ""


def error_message(body: bytes) -> str:
    """The carrier's own words from an error body (returnMessage or gateway message), or ''."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("returnMessage") or data.get("message") or "")


def _one(item: dict[str, Any]) -> TrackResult:
    if not isinstance(item, dict):
        raise bad_body("shipment entry is not an object")
    shipment = item.get("shipment")
    if shipment is None:
        return _refusal(item)
    return _shipment(shipment)


def _refusal(item: dict[str, Any]) -> TrackResult:
    """A per-number answer without a shipment (invalid or unknown number): a soft not-found."""
    number, message = item.get("idShip"), item.get("returnMessage")
    if not number or not message:
        raise bad_body("neither a shipment nor a returnMessage with idShip")
    return TrackResult.failed(str(number), ErrorKind.NOT_FOUND, str(message))


def _shipment(shipment: dict[str, Any]) -> TrackResult:
    events = sorted((_event(e) for e in shipment.get("event") or []), key=lambda e: e.time, reverse=True)
    status = events[0].status if events else Status.PENDING
    result = TrackResult(
        tracking_number=str(shipment["idShip"]),
        status=status,
        substatus=events[0].substatus if events else "",
        events=events,
        service=str(shipment.get("product") or ""),
        unknown_codes=_unknown(events),
    )
    estimate_day = parse_date(str(shipment.get("estimDate") or ""))
    result.estimate = Estimate.on(estimate_day) if estimate_day else None
    if status is Status.DELIVERED:
        result.delivered_at = _when(str(shipment.get("deliveryDate") or "")) or events[0].time
    return result


def _event(raw: dict[str, Any]) -> TrackEvent:
    code = str(raw["code"])
    status, substatus, action = lookup(code) or FALLBACK
    moment = _when(str(raw["date"]))
    if moment is None:
        raise bad_body(f"unreadable event date {raw['date']!r}")
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=code,
        description=str(raw.get("label") or ""),
        substatus=substatus,
        action_required=action,
        local_time=str(raw["date"]),
    )


def _when(text: str) -> datetime | None:
    """An ISO time with its offset → UTC; an offset-less one is read as Paris time."""
    if not text:
        return None
    moment = iso_to_utc(text)
    if moment is not None:
        return moment
    return local_to_utc(datetime.fromisoformat(text), HOME_ZONE)


def _unknown(events: list[TrackEvent]) -> list[str]:
    codes = [e.carrier_code for e in events if lookup(e.carrier_code) is None]
    return list(dict.fromkeys(codes))
