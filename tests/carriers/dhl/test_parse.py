"""DHL Unified replies → results: the recorded parcel-de reply, problem bodies, our own fixture, the tables."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.base import CarrierBadResponse
from carriers.dhl import parse
from carriers.dhl.codes import KEYWORDS, REFINABLE, STATUS_CODES
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample

FIXTURES = Path(__file__).parent / "fixtures"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def one_event(code: str, text: str = "Processed") -> bytes:
    event = {"timestamp": "2026-04-01T12:00:00+02:00", "statusCode": code, "status": text, "description": text}
    return json.dumps({"shipments": [{"id": "123", "service": "express", "events": [event]}]}).encode()


def test_parcel_de_sample_reads_bare_times_as_german_time() -> None:
    [result] = parse(sample("dhl", "track_shipments_parcel_de_delivered_real.json"))
    assert result.tracking_number == "470800204932"
    assert result.status is Status.DELIVERED
    assert len(result.events) == 10
    assert result.events[0].time == utc(2023, 3, 13, 8, 50)  # 09:50 CET
    assert result.events[0].local_time == "2023-03-13T09:50:00"
    assert result.delivered_at == utc(2023, 3, 13, 8, 50)
    # "in das Zustellfahrzeug geladen" is the only sign of the delivery round
    assert result.events[1].status is Status.OUT_FOR_DELIVERY
    assert [e.status for e in result.events[2:]].count(Status.IN_TRANSIT) == 7
    assert result.service == "DHL PAKET, Bahntransport"
    assert result.unknown_codes == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("error_404_no_result_found.json", ErrorKind.NOT_FOUND),
        ("error_429_too_many_requests.json", ErrorKind.RATE_LIMITED),
    ],
)
def test_problem_bodies(name: str, kind: ErrorKind) -> None:
    [result] = parse(sample("dhl", name))
    assert (result.tracking_number, result.error) == ("", kind)
    assert result.error_message


def test_own_fixture_keeps_the_latest_service_and_reads_every_time_format() -> None:
    [result] = parse((FIXTURES / "two_services_english.json").read_bytes())
    assert result.service == "DHL Parcel Connect"
    assert result.status is Status.OUT_FOR_DELIVERY
    assert [e.time for e in result.events] == [
        utc(2026, 2, 11, 7, 5, 10, 123456),  # nanoseconds and an offset
        utc(2026, 2, 10, 20, 0),  # bare time, Utrecht: the scan's own country (CET)
        utc(2026, 2, 9, 9, 0),  # bare time, no place: the destination country (France, CET)
    ]
    assert result.unknown_codes == ["in-customs"]
    assert result.events[1].status is Status.IN_TRANSIT
    assert result.estimate is not None
    assert (result.estimate.earliest, result.estimate.latest) == (date(2026, 2, 11), date(2026, 2, 11))
    assert (result.estimate.window_start, result.estimate.window_end) == (utc(2026, 2, 11, 8), utc(2026, 2, 11, 12))


def test_every_status_code_maps_through_parse() -> None:
    for code, (status, substatus, action) in STATUS_CODES.items():
        [result] = parse(one_event(code))
        event = result.events[0]
        assert (event.status, event.substatus, event.action_required) == (status, substatus, action), code
        assert result.unknown_codes == []


def test_every_keyword_refines_transit_but_never_a_delivery() -> None:
    for phrase, (status, substatus, _) in KEYWORDS:
        for code in REFINABLE:
            [result] = parse(one_event(code, f"Status: {phrase.capitalize()} today"))
            assert (result.status, result.substatus) == (status, substatus), (phrase, code)
        [delivered] = parse(one_event("delivered", phrase))
        assert delivered.status is Status.DELIVERED


def test_unknown_status_code_is_in_transit_and_counted_even_with_delivery_words() -> None:
    [result] = parse(one_event("delivered-maybe", "Delivered to neighbour"))
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["delivered-maybe"]
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [b"<html>Gateway Timeout</html>", b'{"shipments": [{"id": "1"', b'{"shipments": [{"events": []}]}', b'{"x": 1}'],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
