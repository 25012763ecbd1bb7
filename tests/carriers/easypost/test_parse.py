"""EasyPost parsing: recorded replies, our own fixtures, every code-table row, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.easypost import parse
from carriers.easypost.codes import DETAILS, STATUSES, lookup
from carriers.errors import CarrierBadResponse
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"

# file → (results, status, event count, newest event UTC time)
SAMPLES: dict[str, tuple[int, Status | None, int, datetime | None]] = {
    "error_404_not_found.json": (0, None, 0, None),
    "error_422_parameter_required.json": (0, None, 0, None),
    "tracker_create_test_mode_pre_transit.json": (
        1,
        Status.INFO_RECEIVED,
        2,
        datetime(2025, 2, 7, 8, 25, 26, tzinfo=UTC),
    ),
    "trackers_batch_request_response.json": (1, Status.INFO_RECEIVED, 2, datetime(2025, 10, 6, 10, 36, 7, tzinfo=UTC)),
    "webhook_event_tracker_updated.json": (1, Status.IN_TRANSIT, 7, datetime(2024, 8, 2, 18, 50, tzinfo=UTC)),
}


def response_body(name: str) -> bytes:
    """The reply body of a recorded exchange, or the file itself when it is a bare body."""
    raw = sample("easypost", name)
    doc = json.loads(raw)
    if isinstance(doc, dict) and "response_body" in doc:
        return json.dumps(doc["response_body"]).encode()
    return raw


def test_every_recorded_sample_has_expectations() -> None:
    names = sample_files("easypost")
    if not names:
        pytest.skip("recorded EasyPost samples are absent")
    assert set(names) - {"webhook_signature_test_vector.json"} == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_recorded_samples(name: str) -> None:
    count, status, events, newest = SAMPLES[name]
    results = parse(response_body(name))
    assert len(results) == count
    for result in results:
        assert result.ok
        assert result.status is status
        assert len(result.events) == events
        assert result.events[0].time == newest
        assert all(e.time.tzinfo is UTC for e in result.events)
        assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)
        assert result.unknown_codes == []


def test_webhook_sample_details() -> None:
    (result,) = parse(response_body("webhook_event_tracker_updated.json"))
    assert result.tracking_number == "1"
    assert result.substatus == "arrived_at_facility"
    assert result.service == "FEDEX_GROUND"
    assert result.estimate is not None and result.estimate.earliest == date(2024, 8, 5)
    assert result.delivered_at is None
    oldest = result.events[-1]
    assert (oldest.carrier_code, oldest.status, oldest.substatus) == ("OC", Status.INFO_RECEIVED, "label_created")
    assert result.events[0].location == "EDISON, NJ, 08817, US"


def test_pre_transit_sample_service_and_estimate() -> None:
    (result,) = parse(response_body("tracker_create_test_mode_pre_transit.json"))
    assert result.tracking_number == "EZ1000000001"
    assert result.service == "First-Class Package Service"
    assert result.estimate is not None and result.estimate.earliest == date(2025, 3, 6)
    assert result.events[0].location == "HOUSTON, TX, 77063"


def test_own_delivered_fixture() -> None:
    (result,) = parse((FIXTURES / "tracker_delivered_signed.json").read_bytes())
    assert result.status is Status.DELIVERED
    assert result.substatus == "arrived_at_destination"
    assert result.signed_by == "J. SMITH"
    assert result.service == "UPS Ground"
    assert result.delivered_at == datetime(2026, 3, 9, 19, 41, tzinfo=UTC)
    # The carrier's local estimate wins over EasyPost's UTC stamp.
    assert result.estimate is not None and result.estimate.earliest == date(2026, 3, 10)
    assert [e.carrier_code for e in result.events] == ["KB", "OT", "MP"]
    assert [e.status for e in result.events] == [Status.DELIVERED, Status.OUT_FOR_DELIVERY, Status.INFO_RECEIVED]


def test_unknown_codes_fall_back_to_in_transit_and_are_counted() -> None:
    (result,) = parse((FIXTURES / "tracker_unknown_codes.json").read_bytes())
    assert result.status is Status.IN_TRANSIT
    assert result.delivered_at is None
    assert result.unknown_codes == ["teleported", "beamed_up"]
    assert result.events[0].status is Status.IN_TRANSIT


@pytest.mark.parametrize(("code", "row"), sorted(STATUSES.items()))
def test_every_status_row(code: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(code, "") == (*row, [])


@pytest.mark.parametrize(("detail", "row"), sorted(DETAILS.items()))
def test_every_detail_row(detail: str, row: tuple[str, bool]) -> None:
    status, substatus, action, unknown = lookup("in_transit", detail)
    assert status is Status.IN_TRANSIT
    assert unknown == []
    if detail in {"unknown", "status_update"}:
        assert substatus == "in_transit"
    else:
        assert (substatus, action) == row


def test_pickup_is_action_required_and_unknown_never_delivered() -> None:
    assert lookup("available_for_pickup", "arrived_at_pickup_location")[2] is True
    status, _, _, unknown = lookup("delivered_maybe", "")
    assert status is Status.IN_TRANSIT and unknown == ["delivered_maybe"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"object": "Tracker", "tracking_code": "EZ1", "status": "in_tr',
        b'{"object": "Tracker", "status": "in_transit"}',
        b'{"object": "Tracker", "tracking_code": "EZ1", "status": "in_transit", "tracking_details": [{"status": '
        b'"in_transit", "datetime": "2026-01-01T10:00:00"}]}',
        b'{"trackers": "none"}',
        b"[1, 2]",
        b'{"hello": "world"}',
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
