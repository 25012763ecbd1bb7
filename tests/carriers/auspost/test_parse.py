"""Australia Post parsing: recorded multi-id reply, per-id errors, our own fixture, every wording row, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.auspost import parse
from carriers.auspost.codes import EVENTS, STATUSES
from carriers.errors import CarrierBadResponse
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def _body(description: str, status: str = "") -> bytes:
    article = {
        "article_id": "ET123456785AU",
        "events": [{"location": "KEW VIC", "description": description, "date": "2026-02-01T10:00:00+11:00"}],
        "status": status,
    }
    return json.dumps({"tracking_results": [{"tracking_id": "ET123456785AU", "trackable_items": [article]}]}).encode()


def test_recorded_multi_id_reply() -> None:
    express, international, nz = parse(sample("australiapost", "shipping_v1_track_multi_ids.json"))
    assert express.tracking_number == "ET123456789AU"
    # Item status "Unknown" is no opinion: the newest scan decides.
    assert express.status is Status.IN_TRANSIT
    assert express.service == "International Express"
    assert len(express.events) == 8
    assert express.events[0].time == datetime(2021, 2, 2, 21, 8, tzinfo=UTC)
    assert express.events[-1].status is Status.INFO_RECEIVED
    assert express.unknown_codes == []

    assert international.status is Status.DELIVERED
    assert international.substatus == "left_in_safe_place"
    assert international.delivered_at == datetime(2021, 1, 21, 0, 4, 27, tzinfo=UTC)
    assert len(international.events) == 9
    assert international.events[1].status is Status.OUT_FOR_DELIVERY
    assert international.events[0].location == "KEW VIC"
    assert international.events[0].local_time == "2021-01-21T11:04:27+11:00"

    assert nz.tracking_number == "00123456789000123400"
    assert nz.status is Status.DELIVERED
    assert nz.delivered_at == datetime(2021, 2, 1, 20, 38, 56, tzinfo=UTC)
    assert len(nz.events) == 10
    for result in (express, international, nz):
        times = [e.time for e in result.events]
        assert times == sorted(times, reverse=True)


def test_recorded_per_id_error_is_soft_not_found() -> None:
    [result] = parse(sample("australiapost", "shipping_v1_track_per_id_error.json"))
    assert result.tracking_number == "7XX1000"
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message == "ESB-10001 Invalid tracking ID"


def test_recorded_request_error_is_bad_response_with_carrier_words() -> None:
    with pytest.raises(CarrierBadResponse, match="51101 TOO_MANY_AP_TRACKING_IDS"):
        parse(sample("australiapost", "shipping_v1_error.json"))


@pytest.mark.parametrize("name", sample_files("australiapost"))
def test_every_recorded_sample_parses_or_is_a_declared_refusal(name: str) -> None:
    body = sample("australiapost", name)
    if b"tracking_results" in body:
        assert all(r.tracking_number for r in parse(body))
    else:
        with pytest.raises(CarrierBadResponse):
            parse(body)


def test_own_fixture_consignment_pickup_unknown_text_and_bare_time() -> None:
    pickup, odd, bad = parse((FIXTURES / "consignment_awaiting_collection.json").read_bytes())
    assert pickup.tracking_number == "2JD5012345"
    assert pickup.status is Status.AVAILABLE_FOR_PICKUP
    assert pickup.service == "Parcel Post"
    assert pickup.events[0].action_required is True
    attempt = pickup.events[1]
    assert attempt.status is Status.FAILED_ATTEMPT
    # Bare wall time in Perth (UTC+8), never UTC.
    assert attempt.time == datetime(2026, 7, 9, 2, 15, tzinfo=UTC)
    assert pickup.unknown_codes == ["Scanned by a brand new machine"]
    assert pickup.events[2].status is Status.IN_TRANSIT

    assert odd.unknown_codes == ["Teleported"]
    assert odd.status is Status.IN_TRANSIT
    assert bad.error is ErrorKind.NOT_FOUND


@pytest.mark.parametrize(("opening", "row"), sorted(EVENTS.items()))
def test_every_event_opening_of_the_table(opening: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body(opening.capitalize() + " (detail)"))
    event = result.events[0]
    assert (event.status, event.substatus, event.action_required) == row
    assert result.unknown_codes == []


@pytest.mark.parametrize(("text", "row"), sorted(STATUSES.items()))
def test_every_status_text_of_the_table(text: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body("Scan with words we do not know", status=text.title()))
    assert result.status is row[0]
    # No scan says delivered, so there is no delivery time to claim even when the status text does.
    assert result.delivered_at is None
    assert result.unknown_codes == ["Scan with words we do not know"]


def test_unknown_wording_is_in_transit_and_counted_never_delivered() -> None:
    [result] = parse(_body("Something new happened", status="Mystery"))
    assert result.status is Status.IN_TRANSIT
    assert result.delivered_at is None
    assert result.unknown_codes == ["Something new happened", "Mystery"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>502</title></head></html>",
        b'{"tracking_results": [{"tracking_id": "ET1',
        b'{"tracking_results": [{"trackable_items": []}]}',
        b'{"tracking_results": [{"tracking_id": "A", "trackable_items": [{"events": [{"date": "2026-01-01"}]}]}]}',
        b'{"tracking_results": [{"tracking_id": "A", "trackable_items": [{"events": [{"description": "x", '
        b'"date": "not a date"}]}]}]}',
        b'{"something": "else"}',
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
