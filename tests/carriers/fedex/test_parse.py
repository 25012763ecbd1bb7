"""FedEx Track replies → results: recorded samples, our own fixture, the whole code table."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.base import CarrierBadResponse
from carriers.fedex import parse
from carriers.fedex.codes import STATUS_CODES
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample, sample_dir

FIXTURES = Path(__file__).parent / "fixtures"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def one_scan(code: str, latest: str | None = None) -> bytes:
    scan = {"date": "2026-05-05T10:00:00-04:00", "eventType": code, "eventDescription": "scan", "scanLocation": {}}
    track: dict[str, object] = {"scanEvents": [scan]}
    if latest:
        track["latestStatusDetail"] = {"code": latest}
    output = {"completeTrackResults": [{"trackingNumber": "123", "trackResults": [track]}]}
    return json.dumps({"output": output}).encode()


def test_real_delivered_sample() -> None:
    [result] = parse(sample("fedex", "track_response_delivered_ground_real.json"))
    assert result.tracking_number == "738488882438"
    assert result.status is Status.DELIVERED
    assert len(result.events) == 17
    assert result.events[0].time == utc(2024, 8, 20, 16, 41, 57)
    assert result.events[1].status is Status.OUT_FOR_DELIVERY
    assert result.delivered_at == utc(2024, 8, 20, 16, 41, 57)
    assert result.signed_by == "CREILLY"
    assert result.service == "FedEx Ground"
    assert result.estimate is not None and result.estimate.latest == date(2024, 8, 21)
    # the offset-less pickup scan is read in Mankato MN's zone (CDT, UTC-5), not as UTC
    pickup = result.events[-1]
    assert (pickup.carrier_code, pickup.time, pickup.local_time) == ("PU", utc(2024, 8, 15, 5), "2024-08-15T00:00:00")
    assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)
    assert result.events[-2].status is Status.INFO_RECEIVED
    assert result.unknown_codes == []


def test_doc_example_mixes_data_and_a_not_found_number() -> None:
    found, missing = parse(sample("fedex", "track_response_doc_example_with_notfound.json"))
    assert found.tracking_number == "123456789012"
    assert found.status is Status.IN_TRANSIT  # latestStatusDetail PU
    assert found.signed_by == "Reciever"
    assert found.estimate is not None
    assert (found.estimate.earliest, found.estimate.latest) == (date(2021, 10, 1), date(2021, 10, 15))
    assert found.estimate.window_start is None  # "2021-10-01T08:00:00" has no offset
    assert found.estimate.window_end == utc(2021, 10, 15, 6)
    assert (missing.tracking_number, missing.error) == ("39936862321", ErrorKind.NOT_FOUND)


def test_per_number_not_found_keeps_the_carrier_message() -> None:
    [result] = parse(sample("fedex", "track_response_not_found_per_number_error.json"))
    assert result.error is ErrorKind.NOT_FOUND
    assert "can't be found right now" in result.error_message


def test_request_level_errors_name_no_number() -> None:
    [result] = parse(sample("fedex", "error_400_tracking_number_empty.json"))
    assert (result.tracking_number, result.error) == ("", ErrorKind.BAD_RESPONSE)
    by_status = json.loads(sample("fedex", "error_examples_by_http_status_openapi.json"))
    kinds = {status: parse(json.dumps(body).encode())[0].error for status, body in by_status.items()}
    assert kinds == {
        "400": ErrorKind.BAD_RESPONSE,
        "401": ErrorKind.AUTH,
        "403": ErrorKind.AUTH,
        "404": ErrorKind.BAD_RESPONSE,
        "500": ErrorKind.UNAVAILABLE,
        "503": ErrorKind.UNAVAILABLE,
    }


def test_own_fixture_picks_the_latest_reused_shipment_and_resolves_times() -> None:
    found, missing = parse((FIXTURES / "two_numbers_reused_and_window.json").read_bytes())
    assert found.status is Status.OUT_FOR_DELIVERY
    assert found.service == "FedEx Ground"
    assert [e.time for e in found.events] == [
        utc(2026, 3, 9, 14, 10),
        utc(2026, 3, 9, 5, 0),  # no offset: Phoenix keeps UTC-7 all year
        utc(2026, 3, 8, 0, 0),
    ]
    assert found.events[2].description == "Delivery exception: Customer not available or business closed"
    assert found.events[2].status is Status.EXCEPTION
    assert found.unknown_codes == ["ZQ"]
    assert found.events[1].status is Status.IN_TRANSIT
    assert found.estimate is not None
    assert (found.estimate.window_start, found.estimate.window_end) == (utc(2026, 3, 9, 16), utc(2026, 3, 9, 20))
    assert found.delivered_at is None
    assert missing.error is ErrorKind.NOT_FOUND


def test_every_code_in_the_table_maps_through_parse() -> None:
    for code, (status, substatus, action) in STATUS_CODES.items():
        [result] = parse(one_scan(code))
        [event] = result.events
        assert (event.status, event.substatus, event.action_required) == (status, substatus, action), code
        assert result.status is status
        assert result.unknown_codes == []


def test_table_covers_the_published_movement_and_regulatory_codes() -> None:
    rows = list(csv.reader((sample_dir("fedex") / "tracking_status_codes.csv").open(encoding="utf-8")))[1:]
    published = {row[0].upper() for row in rows if row[0] and row[1]}
    right = [row[2:] for row in rows]
    published |= {code.upper() for code, text in right[: right.index(["Possession", ""])] if code and text}
    assert published <= set(STATUS_CODES)
    assert {code for code, row in STATUS_CODES.items() if row[0] is Status.DELIVERED} == {"DL"}


@pytest.mark.parametrize("latest", [None, "QQ"])
def test_unknown_code_is_in_transit_and_counted(latest: str | None) -> None:
    [result] = parse(one_scan("QQ", latest))
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["QQ"]
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [b"<html>Bad gateway</html>", b'{"output": {"completeTrackResults": [', b'{"output": {}}', b'{"x": 1}', b"null"],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
