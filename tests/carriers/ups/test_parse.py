"""UPS Track replies → results: recorded samples, our own fixture, the whole code table."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.base import CarrierBadResponse
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.ups import parse
from carriers.ups.codes import ACTIVITY_TYPES, STATUS_CODES
from tests.carriers.samples import sample, sample_dir, sample_files

FIXTURES = Path(__file__).parent / "fixtures"
TRACK_SAMPLES = [name for name in sample_files("ups") if name.startswith(("track_response", "error_"))]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def one_activity(status_code: str, kind: str = "I", state: str = "GA") -> bytes:
    activity = {
        "location": {"address": {"city": "ATLANTA", "stateProvince": state, "countryCode": "US"}},
        "status": {"type": kind, "code": "ZZ", "description": "scan", "statusCode": status_code},
        "date": "20260701",
        "time": "120000",
    }
    shipment = {"inquiryNumber": "1ZX", "package": [{"trackingNumber": "1ZX", "activity": [activity]}]}
    return json.dumps({"trackResponse": {"shipment": [shipment]}}).encode()


def test_postman_delivered_sample_gives_utc_times_from_the_package_location() -> None:
    [result] = parse(sample("ups", "track_response_delivered_postman.json"))
    assert result.tracking_number == "1Z1442YY7229014688"
    assert result.status is Status.DELIVERED
    assert [e.status for e in result.events] == [Status.DELIVERED, Status.INFO_RECEIVED]
    # Paramus NJ is Eastern (UTC-5 in January); the label scan names only "US" and borrows that zone.
    assert [e.time for e in result.events] == [utc(2022, 1, 26, 21, 30), utc(2022, 1, 26, 20, 16, 41)]
    assert result.events[0].local_time == "2022-01-26T16:30:00"
    assert result.events[0].description == "DELIVERED"
    assert result.events[0].location == "PARAMUS, NJ, US"
    assert result.delivered_at == utc(2022, 1, 26, 21, 30)
    assert result.unknown_codes == []


def test_not_found_warning_is_a_soft_not_found() -> None:
    [result] = parse(sample("ups", "track_response_not_found_warning_TW0001.json"))
    assert result.error is ErrorKind.NOT_FOUND
    assert "Tracking Information Not Found" in result.error_message


def test_openapi_example_uses_current_status_and_service() -> None:
    [result] = parse(sample("ups", "track_response_openapi_example.json"))
    assert result.tracking_number == "1Z023E2X0214323462"
    assert result.status is Status.INFO_RECEIVED  # currentStatus statusCode 003
    assert result.service == "UPS Ground"
    assert len(result.events) == 1
    assert result.events[0].time == utc(2021, 2, 10, 12, 13, 56)  # Wayne NJ, 07:13:56 EST
    assert result.estimate is None  # the example's deliveryDate is the placeholder "string"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("error_invalid_inquiry_number_TV1002.json", ErrorKind.NOT_FOUND),
        ("error_auth_250003.json", ErrorKind.AUTH),
        ("error_429_too_many_requests.json", ErrorKind.RATE_LIMITED),
    ],
)
def test_error_bodies_become_failed_results(name: str, kind: ErrorKind) -> None:
    [result] = parse(sample("ups", name))
    assert result.error is kind
    assert result.error_message


@pytest.mark.parametrize("name", TRACK_SAMPLES)
def test_every_recorded_reply_parses(name: str) -> None:
    results = parse(sample("ups", name))
    assert len(results) == 1
    assert all(e.time.tzinfo is not None for r in results for e in r.events)


def test_own_fixture_resolves_each_time_rule_and_sorts_newest_first() -> None:
    [result] = parse((FIXTURES / "in_transit_gmt.json").read_bytes())
    assert [e.time for e in result.events] == [
        utc(2026, 11, 20, 4, 5),  # gmtDate/gmtTime win, even across midnight
        utc(2026, 11, 19, 13, 0),  # local + gmtOffset
        utc(2026, 11, 18, 1, 15),  # Tokyo wall time, zone from the scan's country
        utc(2026, 11, 17, 14, 0),  # "US" only: the package's first placeable scan (Kentucky, Eastern)
    ]
    assert result.events[0].local_time == "2026-11-19T23:05:00"
    assert result.status is Status.IN_TRANSIT
    assert result.service == "UPS Ground"
    assert result.estimate is not None
    assert (result.estimate.earliest, result.estimate.latest) == (date(2026, 11, 23), date(2026, 11, 23))
    # the window is read in the destination's zone (Denver, UTC-7)
    assert result.estimate.window_start == utc(2026, 11, 23, 21, 0)
    assert result.estimate.window_end == utc(2026, 11, 24, 1, 0)
    assert result.unknown_codes == ["999"]
    assert result.events[2].status is Status.IN_TRANSIT


def test_every_code_in_the_table_maps_through_parse() -> None:
    for code, (status, substatus, action) in STATUS_CODES.items():
        [result] = parse(one_activity(code))
        [event] = result.events
        assert (event.status, event.substatus, event.action_required) == (status, substatus, action), code
        assert result.unknown_codes == []


def test_table_covers_the_published_list_and_agrees_with_its_wording() -> None:
    rows = list(csv.reader((sample_dir("ups") / "status_description_codes.csv").open(encoding="utf-8")))[1:]
    published = {code.zfill(3): text for code, text in rows}
    assert set(published) == set(STATUS_CODES)
    for code, text in published.items():
        status = STATUS_CODES[code][0]
        if text.startswith("Out for Delivery") or text == "Loaded on Delivery Vehicle":
            assert status is Status.OUT_FOR_DELIVERY, code
        if text.startswith(("Returned", "Returning")):
            assert status is Status.RETURNED, code
        if "Attempt" in text and "Pickup" not in text and "Requested" not in text:
            assert status is Status.FAILED_ATTEMPT, code
        if status is Status.DELIVERED:
            assert text.startswith("Deliver"), code


def test_routine_customs_scans_of_type_x_are_not_exceptions() -> None:
    for code in ("012", "014", "084", "134"):
        [result] = parse(one_activity(code, kind="X"))
        assert result.status is Status.IN_TRANSIT, code


@pytest.mark.parametrize("kind", ["D", "I", "X", "M"])
def test_unknown_status_code_is_in_transit_and_counted_never_delivered(kind: str) -> None:
    [result] = parse(one_activity("777", kind=kind))
    assert result.status is Status.IN_TRANSIT
    assert result.events[0].status is Status.IN_TRANSIT
    assert result.unknown_codes == ["777"]
    assert result.delivered_at is None


def test_a_scan_without_status_code_falls_back_on_its_activity_type() -> None:
    assert ACTIVITY_TYPES["D"][0] is Status.DELIVERED
    [result] = parse(one_activity("", kind="D"))
    assert result.status is Status.DELIVERED
    [result] = parse(one_activity("", kind="QQ"))
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["type:QQ"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Service Unavailable</body></html>",
        b'{"trackResponse": {"shipment": [{"inquiryNumber": "1Z',
        b'{"something": "else"}',
        b'{"trackResponse": {"shipment": [{"package": [{"activity": [{"date": "2026", "status": 5}]}]}]}}',
        b"[]",
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
