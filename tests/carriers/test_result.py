"""Normalised scans: the fast UTC constructor makes the constructor's event, fingerprints keep their exact values."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from carriers import result as result_module
from carriers.result import TrackEvent
from carriers.status import Status

PARIS_SUMMER = timezone(timedelta(hours=2))
ZERO_NAMED = timezone(timedelta(0), "UTC+0")  # zero offset, but not the UTC object
FIELDS = ("time", "status", "carrier_code", "description", "location", "substatus", "action_required", "local_time")


def reference_fingerprint(event: TrackEvent, carrier: str, number: str) -> str:
    """The fingerprint as stored so far: the whole-second naive UTC time's isoformat and the normalised parts."""
    moment = event.time.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    location = " ".join(event.location.split()).upper()
    key = f"{carrier}|{number.upper()}|{event.carrier_code.strip().upper()}|{moment}Z|{location}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def sample_times() -> list[datetime]:
    rng = random.Random(7)
    base = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)
    times = [base, base.replace(microsecond=999_999), datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)]
    for _ in range(300):
        micro = rng.choice((0, rng.randint(1, 999_999)))
        moment = base + timedelta(seconds=rng.randint(-(10**8), 10**8), microseconds=micro)
        zone = rng.choice((UTC, PARIS_SUMMER, timezone(timedelta(hours=-9, minutes=-30)), ZERO_NAMED))
        times.append(moment.astimezone(zone))
    return times


def test_utc_constructor_makes_the_constructors_event() -> None:
    for moment in sample_times():
        args = (moment, Status.OUT_FOR_DELIVERY, "OFD", "Out for delivery", "  Bordeaux  office ", "ofd", True, "x")
        built, fast = TrackEvent(*args), TrackEvent.utc(*args)
        assert type(fast) is TrackEvent
        assert [getattr(fast, f) for f in FIELDS] == [getattr(built, f) for f in FIELDS]
        assert fast == built and hash(fast) == hash(built)
    short = TrackEvent.utc(datetime(2026, 1, 1, tzinfo=UTC), Status.IN_TRANSIT, "DEP", "Departed")
    assert short == TrackEvent(datetime(2026, 1, 1, tzinfo=UTC), Status.IN_TRANSIT, "DEP", "Departed")


def test_utc_constructor_still_refuses_a_naive_time_and_stays_frozen() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TrackEvent.utc(datetime(2026, 1, 1), Status.IN_TRANSIT, "DEP", "Departed")
    event = TrackEvent.utc(datetime(2026, 1, 1, tzinfo=UTC), Status.IN_TRANSIT, "DEP", "Departed")
    with pytest.raises(AttributeError):
        event.location = "elsewhere"  # type: ignore[misc]


def test_fingerprint_values_are_unchanged() -> None:
    rng = random.Random(11)
    locations = ["", "Lyon hub", "  paris-nord\tsorting   centre ", "Zürich  Mülligen", "a\u00a0b"]
    for moment in sample_times():
        event = TrackEvent(moment, Status.IN_TRANSIT, rng.choice(["dep", " ARR ", "Dlv"]), "d", rng.choice(locations))
        for carrier, number in (("sandbox", "sbdl29412345001"), ("ups", "1Z999AA10123456784")):
            assert event.fingerprint(carrier, number) == reference_fingerprint(event, carrier, number)


def test_location_cache_stays_bounded() -> None:
    result_module._normal_location.cache_clear()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(result_module._LOCATIONS_KEPT * 3):
        event = TrackEvent(moment, Status.IN_TRANSIT, "DEP", "d", f"depot  {index}")
        assert event.fingerprint("sandbox", "N1") == reference_fingerprint(event, "sandbox", "N1")
    assert result_module._normal_location.cache_info().currsize <= result_module._LOCATIONS_KEPT


def test_scan_fingerprint_with_a_shared_prefix_is_the_events_fingerprint() -> None:
    rng = random.Random(12)
    codes = ["dep", " ARR ", "Dlv", "pku\t", ""]
    for moment in sample_times():
        event = TrackEvent(moment, Status.IN_TRANSIT, rng.choice(codes), "d", rng.choice(["", " Lyon  hub "]))
        for carrier, number in (("sandbox", "sbdl29412345001"), ("dhl", "JD0146000034")):
            prefix = result_module.fingerprint_prefix(carrier, number)
            assert result_module.scan_fingerprint(prefix, event) == reference_fingerprint(event, carrier, number)


def test_code_cache_stays_bounded() -> None:
    result_module._normal_code.cache_clear()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(result_module._LOCATIONS_KEPT * 3):
        event = TrackEvent(moment, Status.IN_TRANSIT, f" c{index} ", "d", "depot")
        assert event.fingerprint("sandbox", "N1") == reference_fingerprint(event, "sandbox", "N1")
    assert result_module._normal_code.cache_info().currsize <= result_module._LOCATIONS_KEPT
