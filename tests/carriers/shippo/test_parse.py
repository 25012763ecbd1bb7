"""Shippo parsing: recorded replies, our own fixture, every code-table row, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.errors import CarrierBadResponse
from carriers.result import ErrorKind
from carriers.shippo import parse
from carriers.shippo.codes import STATUSES, SUBSTATUSES, lookup
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str) -> tuple[int, bytes]:
    """(HTTP status, body bytes) of a recorded exchange."""
    doc = json.loads(sample("shippo", name))
    if "response_body_raw" in doc:
        return doc["response_status"], doc["response_body_raw"].encode()
    return doc["response_status"], json.dumps(doc["response_body"]).encode()


def test_every_recorded_sample_is_covered() -> None:
    names = sample_files("shippo")
    if not names:
        pytest.skip("recorded Shippo samples are absent")
    assert set(names) == {
        "tracks_get_unknown_number_404_html.json",
        "tracks_get_unsupported_carrier_400.json",
        "tracks_get_usps_delivered.json",
        "tracks_post_invalid_carrier_400.json",
        "tracks_post_unknown_number_201_null_status.json",
    }


def test_delivered_sample() -> None:
    status, body = recorded("tracks_get_usps_delivered.json")
    assert status == 200
    (result,) = parse(body)
    assert result.tracking_number == "9205590164917337534322"
    assert result.status is Status.DELIVERED
    assert len(result.events) == 11
    assert result.events[0].time == datetime(2016, 12, 8, 15, 19, tzinfo=UTC)
    assert result.events[-1].time == datetime(2016, 12, 7, 0, 0, tzinfo=UTC)
    assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)
    assert result.delivered_at == datetime(2016, 12, 8, 15, 19, tzinfo=UTC)
    assert result.estimate is not None and result.estimate.earliest == date(2016, 12, 8)
    assert result.service == "Priority Mail"
    assert result.events[0].location == "Berkeley, CA, 94705, US"
    # 2016 label-only events were UNKNOWN: they stay pending, they never count as progress.
    assert result.events[-1].status is Status.PENDING
    assert result.unknown_codes == []


def test_unknown_number_201_null_status_is_soft_not_found() -> None:
    status, body = recorded("tracks_post_unknown_number_201_null_status.json")
    assert status == 201
    (result,) = parse(body)
    assert result.tracking_number == "EXAMPLEOFINVALID123TRACKINGNUMBER"
    assert result.error is ErrorKind.NOT_FOUND


@pytest.mark.parametrize("name", ["tracks_get_unsupported_carrier_400.json", "tracks_post_invalid_carrier_400.json"])
def test_error_bodies_hold_no_track(name: str) -> None:
    status, body = recorded(name)
    assert status == 400
    assert parse(body) == []


def test_html_404_page_is_not_json() -> None:
    status, body = recorded("tracks_get_unknown_number_404_html.json")
    assert status == 404
    with pytest.raises(CarrierBadResponse):
        parse(body)


def test_own_fixture_substatuses() -> None:
    (result,) = parse((FIXTURES / "track_attempted_substatus.json").read_bytes())
    assert result.status is Status.FAILED_ATTEMPT
    assert result.substatus == "delivery_attempted"
    assert [e.status for e in result.events] == [Status.FAILED_ATTEMPT, Status.OUT_FOR_DELIVERY, Status.INFO_RECEIVED]
    assert result.events[0].action_required is True
    assert result.events[1].action_required is False
    assert result.events[0].time == datetime(2026, 6, 11, 21, 5, tzinfo=UTC)
    assert result.service == "Ground"
    assert result.delivered_at is None


@pytest.mark.parametrize(("code", "row"), sorted(STATUSES.items()))
def test_every_status_row(code: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(code) == (*row, [])


@pytest.mark.parametrize(("code", "row"), sorted(SUBSTATUSES.items()))
def test_every_substatus_row(code: str, row: tuple[Status, str, bool]) -> None:
    parent = {Status.DELIVERED: "DELIVERED", Status.RETURNED: "RETURNED"}.get(row[0], "TRANSIT")
    assert lookup(parent, code) == (*row, [])


def test_delivered_substatus_never_upgrades_another_status() -> None:
    assert lookup("TRANSIT", "delivered")[0] is Status.IN_TRANSIT
    assert lookup("WARPED", "delivered")[0] is Status.IN_TRANSIT


def test_unknown_codes_fall_back_to_in_transit_and_are_counted() -> None:
    assert lookup("WARPED", "zigzag") == (Status.IN_TRANSIT, "warped", False, ["WARPED", "zigzag"])
    track = json.loads((FIXTURES / "track_attempted_substatus.json").read_bytes())
    track["tracking_status"] = {"status": "DELIVERED_MAYBE", "status_date": "2026-06-12T10:00:00Z"}
    (result,) = parse(json.dumps(track).encode())
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["DELIVERED_MAYBE"]


@pytest.mark.parametrize(
    "body",
    [
        b"<h1>Server Error (500)</h1>",
        b'{"tracking_number": "1Z", "tracking_status": {"status": "TRA',
        b'{"tracking_number": "1Z", "tracking_status": null, "tracking_history": "none"}',
        b'{"tracking_number": "1Z", "tracking_status": null, "tracking_history": [{"status": "TRANSIT", '
        b'"status_date": "2026-01-01T10:00:00"}]}',
        b'{"unexpected": true}',
        b"[]",
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
