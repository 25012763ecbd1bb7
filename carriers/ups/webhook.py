"""UPS Track Alert pushes: check the credential UPS echoes back, then parse the event like a Track reply."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from carriers.base import bad_body, guarded_parse
from carriers.result import Estimate, TrackResult
from carriers.status import Status
from carriers.times import local_to_utc, parse_date, place_zone
from carriers.ups.parse import HOME_ZONE, make_event, wall_time

# UPSTrackAlert.yaml (webhooks.TrackingEvent): UPS sends back, in a `credential` header, the opaque string
# given as destination.credential when subscribing; carrier-apis.md §1 also names `x-api-key`. No HMAC exists.
CREDENTIAL_HEADERS = ("credential", "x-api-key")


def verify_webhook(raw: bytes, headers: Mapping[str, str], secret: str, *, url_token: str = "") -> bool:
    """True when the push carries our subscription credential (header, or a token placed in the callback URL).

    `raw` is unused: Track Alert signs nothing, so the credential is all there is to check.
    """
    if not secret:
        return False
    expected = secret.encode()
    lowered = {k.lower(): v for k, v in headers.items()}
    presented = [lowered[name] for name in CREDENTIAL_HEADERS if lowered.get(name)]
    if url_token:
        presented.append(url_token)
    # compare every candidate so the time taken does not reveal which one matched
    matches = [hmac.compare_digest(value.encode(), expected) for value in presented]
    return any(matches)


@guarded_parse
def parse_webhook(raw: bytes) -> list[TrackResult]:
    """One Track Alert event (or a list of them) → one result per event."""
    data = json.loads(raw)
    events = data if isinstance(data, list) else [data]
    if not events or not all(isinstance(e, dict) for e in events):
        raise bad_body("Track Alert push is not an event object")
    return [_alert(event) for event in events]


def _alert(event: dict[str, Any]) -> TrackResult:
    number = str(event["trackingNumber"]).strip()
    location = event.get("activityLocation") or {}
    zone = place_zone(location.get("country"), location.get("stateProvince")) or HOME_ZONE
    wall = wall_time(str(event["localActivityDate"]), str(event.get("localActivityTime") or ""))
    gmt_day, gmt_clock = str(event.get("gmtActivityDate") or ""), str(event.get("gmtActivityTime") or "")
    moment = wall_time(gmt_day, gmt_clock).replace(tzinfo=UTC) if gmt_day and gmt_clock else local_to_utc(wall, zone)
    result = TrackResult(tracking_number=number)
    step = make_event(event["activityStatus"], location, moment, wall, result.unknown_codes)
    result.events.append(step)
    result.status, result.substatus = step.status, step.substatus
    if step.status is Status.DELIVERED:
        result.delivered_at = step.time
        result.signed_by = str(event.get("receivedBy") or "").strip()
    else:
        day = parse_date(str(event.get("scheduledDeliveryDate") or ""))
        result.estimate = Estimate.on(day) if day else None
    return result
