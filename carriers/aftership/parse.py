"""Pure parsing of AfterShip trackings (a list page, one tracking, or a webhook `msg`) into results.

AfterShip's `checkpoint_time` is the carrier's wall time, with an offset only when the carrier gave
one. An offset-less time is read in the zone of the checkpoint's place, else the courier's home
network, else the shipment's origin country; only when none is known is it read as UTC, and the
original text always stays in `local_time`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from carriers.aftership.codes import lookup
from carriers.aftership.zones import courier_zone
from carriers.base import bad_body, guarded_parse
from carriers.result import Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc, place_zone


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    """Every tracking the body holds; an error envelope (`meta.code` 4xxx, empty data) holds none."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise bad_body("top level is not an object")
    return [parse_tracking(tracking) for tracking in trackings_in(doc)]


def trackings_in(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The tracking objects of a reply, whichever documented envelope carries them."""
    if "msg" in doc and "event" in doc:
        return [doc["msg"]]
    if "data" not in doc:
        raise bad_body("no data")
    data = doc["data"] or {}
    if not isinstance(data, dict):
        raise bad_body("data is not an object")
    if "trackings" in data:
        if not isinstance(data["trackings"], list):
            raise bad_body("trackings is not a list")
        return data["trackings"]
    # Versions before 2024-04 wrap a single tracking as data.tracking.
    single = data.get("tracking", data)
    return [single] if "tracking_number" in single else []


def parse_tracking(tracking: dict[str, Any]) -> TrackResult:
    number = tracking["tracking_number"]
    if not isinstance(number, str) or not number:
        raise bad_body("tracking without tracking_number")
    status, substatus, _, unknown = lookup(str(tracking["tag"]), str(tracking.get("subtag") or ""))
    fallback = fallback_zone(tracking)
    events = sorted(
        (parse_checkpoint(cp, fallback, unknown) for cp in tracking.get("checkpoints") or []),
        key=lambda event: event.time,
        reverse=True,
    )
    return TrackResult(
        tracking_number=number,
        status=status,
        substatus=substatus,
        events=events,
        estimate=estimate(tracking),
        delivered_at=delivered_at(status, tracking, events, fallback),
        signed_by=tracking.get("signed_by") or "",
        service=tracking.get("shipment_type") or "",
        unknown_codes=unknown,
    )


def fallback_zone(tracking: dict[str, Any]) -> tzinfo | None:
    """Where a checkpoint with no place of its own most likely happened."""
    origin = tracking.get("origin_country_region") or tracking.get("origin_country_iso3") or ""
    return courier_zone(tracking.get("slug") or "") or place_zone(origin)


def parse_checkpoint(cp: dict[str, Any], fallback: tzinfo | None, unknown: list[str]) -> TrackEvent:
    tag, subtag = str(cp.get("tag") or ""), str(cp.get("subtag") or "")
    status, substatus, action, missing = lookup(tag, subtag)
    unknown.extend(code for code in missing if code not in unknown)
    raw_time = cp["checkpoint_time"]
    country = cp.get("country_region") or cp.get("country_iso3") or ""
    zone = place_zone(country, cp.get("state") or "") or courier_zone(cp.get("slug") or "") or fallback
    return TrackEvent(
        time=to_utc(raw_time, zone),
        status=status,
        carrier_code=subtag or tag,
        description=cp.get("message") or "",
        location=location(cp),
        substatus=substatus,
        action_required=action,
        local_time=raw_time,
    )


def to_utc(text: str, zone: tzinfo | None) -> datetime:
    """An AfterShip time (with offset, bare wall time, or bare date) as UTC."""
    if not isinstance(text, str) or not text:
        raise bad_body(f"checkpoint_time missing: {text!r}")
    moment = iso_to_utc(text)
    if moment is not None:
        return moment
    wall = datetime.fromisoformat(text)
    return local_to_utc(wall, zone or UTC)


def location(cp: dict[str, Any]) -> str:
    if cp.get("location"):
        return str(cp["location"])
    parts = (cp.get("city"), cp.get("state"), cp.get("zip"), cp.get("country_region_name") or cp.get("country_region"))
    return ", ".join(str(part) for part in parts if part)


def estimate(tracking: dict[str, Any]) -> Estimate | None:
    """The freshest estimate AfterShip gives: its latest one, then the courier's, its own, the legacy field."""
    latest = tracking.get("latest_estimated_delivery") or {}
    found = window(latest.get("datetime_min"), latest.get("datetime_max"), latest.get("datetime"))
    for key in ("courier_estimated_delivery_date", "aftership_estimated_delivery_date"):
        block = tracking.get(key) or {}
        found = found or window(
            block.get("estimated_delivery_date_min"),
            block.get("estimated_delivery_date_max"),
            block.get("estimated_delivery_date"),
        )
    return found or window(None, None, tracking.get("expected_delivery"))


def window(low: str | None, high: str | None, single: str | None) -> Estimate | None:
    if low and high:
        start, end = day_of(low), day_of(high)
        return Estimate(earliest=start, latest=end, window_start=iso_to_utc(low), window_end=iso_to_utc(high))
    return Estimate.on(day_of(single)) if single else None


def day_of(text: str) -> date:
    # The carrier's own calendar day is the promise, so the date part is taken before any UTC shift.
    return date.fromisoformat(text[:10])


def delivered_at(
    status: Status, tracking: dict[str, Any], events: list[TrackEvent], fallback: tzinfo | None
) -> datetime | None:
    if status is not Status.DELIVERED:
        return None
    stamp = tracking.get("shipment_delivery_date")
    if stamp:
        return to_utc(stamp, fallback)
    return next((event.time for event in events if event.status is Status.DELIVERED), None)
