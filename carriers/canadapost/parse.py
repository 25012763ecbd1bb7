"""Pure parsing of Canada Post VIS `tracking-detail` XML into results; `messages` documents are read separately."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from carriers.base import bad_body, guarded_parse
from carriers.canadapost.codes import FALLBACK, lookup
from carriers.canadapost.zones import event_zone
from carriers.result import Estimate, TrackEvent, TrackResult
from carriers.status import Status
from carriers.times import local_to_utc, parse_date

Element = ElementTree.Element


@guarded_parse
def parse(body: bytes) -> list[TrackResult]:
    """One `tracking-detail` → one result. An error `messages` document names no PIN, so it is refused here."""
    root = _root(body)
    name = _local(root.tag)
    if name == "messages":
        raise bad_body("carrier error document: " + "; ".join(f"{c} {d}" for c, d in _messages(root)))
    if name != "tracking-detail":
        raise bad_body(f"unexpected root element <{name}>")
    return [_detail(root)]


def read_messages(body: bytes) -> list[tuple[str, str]]:
    """(code, description) pairs of an error `messages` document; [] for anything else, garbage included."""
    try:
        root = _root(body)
    except (ElementTree.ParseError, ValueError):
        return []
    return _messages(root) if _local(root.tag) == "messages" else []


def _root(body: bytes) -> Element:
    # Carrier XML never needs a DTD; refusing one rules out entity tricks before the parser sees them.
    if b"<!DOCTYPE" in body[:2048].upper():
        raise bad_body("document type declarations are not accepted")
    return ElementTree.fromstring(body)


def _messages(root: Element) -> list[tuple[str, str]]:
    return [(_text(m, "code"), _text(m, "description")) for m in root if _local(m.tag) == "message"]


def _detail(root: Element) -> TrackResult:
    pin = _text(root, "pin")
    if not pin:
        raise bad_body("tracking-detail without a pin")
    scans = sorted(_scans(root), key=lambda scan: scan[0].time, reverse=True)
    events = [event for event, _ in scans]
    result = TrackResult(
        tracking_number=pin,
        status=events[0].status if events else Status.PENDING,
        substatus=events[0].substatus if events else "",
        events=events,
        service=_text(root, "service-name"),
        unknown_codes=list(
            dict.fromkeys(e.carrier_code for e in events if e.carrier_code and lookup(e.carrier_code) is None)
        ),
    )
    expected = parse_date(_text(root, "changed-expected-date") or _text(root, "expected-delivery-date"))
    result.estimate = Estimate.on(expected) if expected else None
    result.signed_by = next((name for _, name in scans if name), "")
    if result.status is Status.DELIVERED:
        result.delivered_at = events[0].time
    return result


def _scans(root: Element) -> list[tuple[TrackEvent, str]]:
    """Each occurrence as (event, signatory name), so the newest signature can be found after sorting."""
    container = _child(root, "significant-events")
    if container is None:
        return []
    return [(_event(o), _text(o, "signatory-name")) for o in container if _local(o.tag) == "occurrence"]


def _event(occurrence: Element) -> TrackEvent:
    code = _text(occurrence, "event-identifier")
    status, substatus, action = lookup(code) or FALLBACK
    day, clock, abbreviation = (_text(occurrence, n) for n in ("event-date", "event-time", "event-time-zone"))
    province = _text(occurrence, "event-province")
    wall = datetime.fromisoformat(f"{day}T{clock or '00:00:00'}")
    return TrackEvent(
        time=local_to_utc(wall, event_zone(abbreviation, province)),
        status=status,
        carrier_code=code,
        description=_text(occurrence, "event-description"),
        location=", ".join(p for p in (_text(occurrence, "event-site"), province) if p),
        substatus=substatus,
        action_required=action,
        local_time=" ".join(p for p in (day, clock, abbreviation) if p),
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""
