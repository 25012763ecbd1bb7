"""Scripted shipment journeys of the sandbox carrier; a tracking number names its journey and start minute.

Number format: ``SB`` + two-letter scenario + start time in epoch minutes (8 digits) + 3-digit serial,
e.g. ``SBDL29412345001``. Each step happens `hours` scenario-hours after the start; the sandbox server's
`speed` says how many scenario-hours pass per real hour, so a demo can run a 3-day journey in an hour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NUMBER = re.compile(r"^SB([A-Z]{2})(\d{8})(\d{3})$")


@dataclass(frozen=True, slots=True)
class Step:
    hours: float
    code: str
    description: str
    location: str
    zone: str  # IANA zone of the scan's location: the sandbox reports local times with offsets


@dataclass(frozen=True, slots=True)
class Scenario:
    code: str
    title: str
    steps: tuple[Step, ...]
    promise_hours: float  # the estimate the carrier gives, counted from the start
    found: bool = True
    signed_by: str = ""


_ORIGIN = ("Lyon hub", "Europe/Paris")
_HUB = ("Paris-Nord sorting centre", "Europe/Paris")
_LOCAL = ("Bordeaux delivery office", "Europe/Paris")


def _s(hours: float, code: str, description: str, place: tuple[str, str]) -> Step:
    return Step(hours, code, description, place[0], place[1])


_JOURNEY = (
    _s(0, "LBL", "Shipping label created, parcel information received", _ORIGIN),
    _s(6, "PKU", "Picked up by the carrier", _ORIGIN),
    _s(10, "DEP", "Departed facility", _ORIGIN),
    _s(22, "ARR", "Arrived at sorting centre", _HUB),
    _s(30, "DEP", "Departed sorting centre", _HUB),
    _s(44, "ARR", "Arrived at delivery office", _LOCAL),
)

SCENARIOS: dict[str, Scenario] = {
    s.code: s
    for s in (
        Scenario(
            "DL",
            "Delivered on time",
            (
                *_JOURNEY,
                _s(52, "OFD", "Out for delivery", _LOCAL),
                _s(57, "DLV", "Delivered, left at front door", _LOCAL),
            ),
            promise_hours=72,
            signed_by="Front door",
        ),
        Scenario(
            "OD",
            "Out for delivery, then delivered late in the day",
            (
                *_JOURNEY,
                _s(52, "OFD", "Out for delivery", _LOCAL),
                _s(66, "DLV", "Delivered to recipient", _LOCAL),
            ),
            promise_hours=72,
            signed_by="Recipient",
        ),
        Scenario(
            "EX",
            "Held: address problem, recipient must act",
            (*_JOURNEY, _s(50, "HLD", "Held at depot: incomplete address, please contact us", _LOCAL)),
            promise_hours=72,
        ),
        Scenario(
            "FA",
            "Failed attempt, delivered on second try",
            (
                *_JOURNEY,
                _s(52, "OFD", "Out for delivery", _LOCAL),
                _s(56, "ATT", "Delivery attempted: nobody at the address", _LOCAL),
                _s(76, "OFD", "Out for delivery (second attempt)", _LOCAL),
                _s(80, "DLV", "Delivered to recipient", _LOCAL),
            ),
            promise_hours=72,
            signed_by="Recipient",
        ),
        Scenario(
            "PU",
            "Waiting at a pickup point",
            (
                *_JOURNEY,
                _s(52, "OFD", "Out for delivery", _LOCAL),
                _s(56, "ATT", "Delivery attempted: parcel too large for mailbox", _LOCAL),
                _s(58, "PUP", "Available for collection at pickup point", _LOCAL),
                _s(120, "DLV", "Collected by recipient at pickup point", _LOCAL),
            ),
            promise_hours=72,
        ),
        Scenario(
            "RT",
            "Refused and returned to sender",
            (
                *_JOURNEY,
                _s(52, "OFD", "Out for delivery", _LOCAL),
                _s(56, "REF", "Delivery refused by recipient", _LOCAL),
                _s(60, "RTS", "Returning to sender", _LOCAL),
                _s(110, "RTD", "Returned to sender", _ORIGIN),
            ),
            promise_hours=72,
        ),
        Scenario(
            "ST",
            "Stuck in transit (no scan for days)",
            (*_JOURNEY[:4],),
            promise_hours=72,
        ),
        Scenario(
            "CU",
            "International: customs duties to pay, then delivered",
            (
                _s(0, "LBL", "Shipping label created", ("Montreal", "America/Toronto")),
                _s(8, "PKU", "Picked up by the carrier", ("Montreal", "America/Toronto")),
                _s(20, "DEP", "Departed country of origin", ("Montreal", "America/Toronto")),
                _s(34, "ARR", "Arrived in destination country", ("Paris-CDG", "Europe/Paris")),
                _s(36, "CUS", "Held by customs: import duties to pay", ("Paris-CDG", "Europe/Paris")),
                _s(60, "CLR", "Cleared customs", ("Paris-CDG", "Europe/Paris")),
                _s(80, "OFD", "Out for delivery", _LOCAL),
                _s(86, "DLV", "Delivered to recipient", _LOCAL),
            ),
            promise_hours=96,
            signed_by="Recipient",
        ),
        Scenario(
            "LT",
            "Running late: estimate moves, delivered after the promise",
            (
                *_JOURNEY,
                _s(60, "DLY", "Delayed: weather conditions", _LOCAL),
                _s(100, "OFD", "Out for delivery", _LOCAL),
                _s(104, "DLV", "Delivered to recipient", _LOCAL),
            ),
            promise_hours=72,
            signed_by="Recipient",
        ),
        Scenario("LB", "Label created, never handed over", (_JOURNEY[0],), promise_hours=72),
        Scenario("NF", "Unknown to the carrier", (), promise_hours=0, found=False),
    )
}


def make_number(scenario: str, started: datetime, serial: int = 1) -> str:
    """A sandbox tracking number for `scenario` whose journey started at `started`."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown sandbox scenario {scenario!r}")
    minutes = int(started.astimezone(UTC).timestamp() // 60)
    return f"SB{scenario}{minutes:08d}{serial % 1000:03d}"


def decode(number: str) -> tuple[Scenario, datetime] | None:
    """The scenario and start time a number encodes, or None for a number this carrier never issued."""
    match = NUMBER.match(number.strip().upper())
    if not match or match.group(1) not in SCENARIOS:
        return None
    started = datetime.fromtimestamp(int(match.group(2)) * 60, UTC)
    return SCENARIOS[match.group(1)], started


def real_time(started: datetime, hours: float, speed: float) -> datetime:
    """When a step `hours` into a journey happens on the real clock, at `speed` scenario-hours per hour."""
    return started + timedelta(hours=hours / speed)
