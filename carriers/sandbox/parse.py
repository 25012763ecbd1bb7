"""Turns one reply body of the sandbox tracking API into normalised results."""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from carriers.base import bad_body, guarded_parse
from carriers.result import ErrorKind, Estimate, TrackEvent, TrackResult
from carriers.sandbox.codes import lookup
from carriers.status import Status
from carriers.times import iso_to_utc, parse_date

_event_time = attrgetter("time")


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    payload = json.loads(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise bad_body("no results list")
    return [_result(item) for item in payload["results"]]


def _result(item: dict[str, Any]) -> TrackResult:
    number = item["tracking_number"]
    if not isinstance(number, str):
        raise bad_body("tracking_number is not a string")
    if "error" in item:
        kind = ErrorKind.NOT_FOUND if item["error"].get("code") == "NOT_FOUND" else ErrorKind.BAD_RESPONSE
        return TrackResult.failed(number, kind, str(item["error"].get("message", "")))
    result = TrackResult(tracking_number=number)
    for raw in item["events"]:
        (status, substatus, action), known = lookup(raw["code"])
        if not known:
            result.unknown_codes.append(raw["code"])
        moment = iso_to_utc(raw["time"])
        if moment is None:
            raise bad_body(f"event time without offset: {raw['time']!r}")
        result.events.append(
            TrackEvent.utc(
                moment,
                status,
                raw["code"],
                raw.get("description", ""),
                raw.get("location", ""),
                substatus,
                action,
                raw["time"],
            )
        )
    result.events.sort(key=_event_time, reverse=True)
    if result.events:
        newest = result.events[0]
        result.status, result.substatus = newest.status, newest.substatus
        if newest.status is Status.DELIVERED:
            result.delivered_at = newest.time
            result.signed_by = str(item.get("signed_by", ""))
    if day := parse_date(item.get("estimated_delivery") or ""):
        result.estimate = Estimate.on(day)
    return result
