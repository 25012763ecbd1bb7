"""Pure parsing of Australia Post Shipping & Tracking `track` replies (up to 10 ids) into results."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from carriers.auspost.codes import FALLBACK, NO_OPINION, event_lookup, status_lookup
from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import iso_to_utc, local_to_utc

# Events normally carry an offset; a bare wall time is read in the zone of the state in its location.
STATE_ZONES: dict[str, str] = {
    "NSW": "Australia/Sydney",
    "ACT": "Australia/Sydney",
    "VIC": "Australia/Melbourne",
    "TAS": "Australia/Hobart",
    "QLD": "Australia/Brisbane",
    "SA": "Australia/Adelaide",
    "NT": "Australia/Darwin",
    "WA": "Australia/Perth",
}
DEFAULT_ZONE = "Australia/Sydney"


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    data = json.loads(body)
    if "tracking_results" not in data:
        raise bad_body("request refused: " + error_text(data.get("errors") or []))
    return [_result(entry) for entry in data["tracking_results"]]


def error_text(errors: list[dict[str, Any]]) -> str:
    """'code name: message' for each error object, the carrier's own words."""
    parts = []
    for error in errors:
        head = " ".join(str(error.get(k, "")) for k in ("code", "name")).strip()
        parts.append(f"{head}: {error['message']}" if error.get("message") else head)
    return "; ".join(parts) or "no tracking_results"


def _result(entry: dict[str, Any]) -> TrackResult:
    number = str(entry["tracking_id"])
    if entry.get("errors"):
        return TrackResult.failed(number, ErrorKind.NOT_FOUND, error_text(entry["errors"]))
    articles = _articles(entry.get("trackable_items") or [])
    events = sorted((_event(e) for a in articles for e in a.get("events") or []), key=lambda e: e.time, reverse=True)
    unknown = [e.carrier_code for e in events if event_lookup(e.carrier_code) is None]
    texts = [str(entry.get("status") or "")] + [str(a.get("status") or "") for a in articles]
    unknown += [t for t in texts if t and t.lower() != NO_OPINION and status_lookup(t) is None]
    status, substatus = _current(texts, events)
    result = TrackResult(
        tracking_number=number,
        status=status,
        substatus=substatus,
        events=events,
        service=next((str(a["product_type"]) for a in articles if a.get("product_type")), ""),
        unknown_codes=list(dict.fromkeys(unknown)),
    )
    if status is Status.DELIVERED:
        result.delivered_at = next((e.time for e in events if e.status is Status.DELIVERED), None)
    return result


def _articles(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A trackable item is either an article or a consignment holding `items`; flatten to articles."""
    articles: list[dict[str, Any]] = []
    for item in items:
        articles.extend(item.get("items", [item]))
    return articles


def _current(texts: list[str], events: list[TrackEvent]) -> tuple[Status, str]:
    """The carrier's own status text when it states one we know, else the newest event's status."""
    for text in texts:
        mapping = status_lookup(text)
        if mapping is None:
            continue
        # The newest scan usually says the same thing in finer words ("Delivered - Left in a safe place").
        if events and events[0].status is mapping[0]:
            return events[0].status, events[0].substatus
        return mapping[0], mapping[1]
    if events:
        return events[0].status, events[0].substatus
    return Status.PENDING, ""


def _event(raw: dict[str, Any]) -> TrackEvent:
    description = str(raw["description"])
    status, substatus, action = event_lookup(description) or FALLBACK
    location = str(raw.get("location") or "")
    stamp = str(raw["date"])
    moment = iso_to_utc(stamp) or local_to_utc(datetime.fromisoformat(stamp), state_zone(location))
    return TrackEvent(
        time=moment,
        status=status,
        carrier_code=description,
        description=description,
        location=location,
        substatus=substatus,
        action_required=action,
        local_time=stamp,
    )


def state_zone(location: str) -> tzinfo:
    """The zone of an Australian location such as 'KEW VIC'; Sydney time when no state is named."""
    words = location.upper().replace(",", " ").split()
    return ZoneInfo(STATE_ZONES.get(words[-1], DEFAULT_ZONE) if words else DEFAULT_ZONE)
