"""17TRACK parsing: the recorded push, our own gettrackinfo fixture, every code-table row, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.errors import CarrierBadResponse
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.track17 import parse
from carriers.track17.codes import STAGES, STATUSES, SUB_STATUSES, event_lookup, lookup
from carriers.track17.parse import rejections
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"
MIXED = (FIXTURES / "gettrackinfo_mixed.json").read_bytes()


def test_every_recorded_sample_is_covered() -> None:
    names = sample_files("17track")
    if not names:
        pytest.skip("recorded 17TRACK samples are absent")
    assert names == ["webhook_tracking_updated_ups_delivered.json"]


def test_recorded_push() -> None:
    (result,) = parse(sample("17track", "webhook_tracking_updated_ups_delivered.json"))
    assert result.tracking_number == "1Z2617V10397725789"
    assert (result.status, result.substatus) == (Status.DELIVERED, "delivered")
    assert result.delivered_at == datetime(2022, 4, 4, 23, 35, 22, tzinfo=UTC)
    assert result.service == "UPS Ground"
    assert result.estimate is None
    assert len(result.events) == 5
    assert [e.status for e in result.events] == [
        Status.DELIVERED,
        Status.OUT_FOR_DELIVERY,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]
    assert result.events[-1].time == datetime(2022, 3, 29, 5, 43, 8, tzinfo=UTC)
    assert result.events[-1].local_time == "2022-03-28T22:43:08"
    assert result.events[0].location == "GASQUET, CA, US"
    assert result.unknown_codes == []


def test_own_fixture_accepted_and_rejected() -> None:
    results = {r.tracking_number: r for r in parse(MIXED)}
    assert set(results) == {"LX123456789CN", "RR000000000CN", "BADNUMBER"}
    returning = results["LX123456789CN"]
    assert (returning.status, returning.substatus) == (Status.RETURNED, "returning")
    assert returning.service == "ePacket"
    assert returning.estimate is not None
    assert (returning.estimate.earliest, returning.estimate.latest) == (date(2026, 2, 10), date(2026, 2, 14))
    assert returning.estimate.window_start == datetime(2026, 2, 9, 16, 0, tzinfo=UTC)
    # Events from both providers, newest first; the raw-only Paris time is read in Paris (UTC+1 in February).
    assert [e.time for e in returning.events] == [
        datetime(2026, 2, 9, 13, 5, tzinfo=UTC),
        datetime(2026, 2, 7, 10, 0, tzinfo=UTC),
        datetime(2026, 2, 3, 1, 30, tzinfo=UTC),
    ]
    assert returning.events[0].local_time == "2026-02-09T14:05:00"
    assert [e.status for e in returning.events] == [Status.RETURNED, Status.IN_TRANSIT, Status.IN_TRANSIT]
    assert results["RR000000000CN"].error is ErrorKind.NOT_FOUND
    assert results["BADNUMBER"].error is ErrorKind.NOT_FOUND
    assert results["BADNUMBER"].error_message == "-18010012: The format of 'BADNUMBER' is invalid."


def test_rejection_codes_are_exposed() -> None:
    assert rejections(MIXED) == {"BADNUMBER": -18010012}
    flat = {"code": 0, "data": {"rejected": [{"number": "N1", "error_code": -18019901, "error_message": "x"}]}}
    assert rejections(json.dumps(flat).encode()) == {"N1": -18019901}


@pytest.mark.parametrize(("code", "row"), sorted(STATUSES.items()))
def test_every_status_row(code: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(code) == (*row, [])


@pytest.mark.parametrize(("code", "row"), sorted(SUB_STATUSES.items()))
def test_every_sub_status_row(code: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(code.split("_")[0], code) == (*row, [])
    assert event_lookup("", code) == (*row, [])


@pytest.mark.parametrize(("stage", "row"), sorted(STAGES.items()))
def test_every_stage_row(stage: str, row: tuple[Status, str, bool]) -> None:
    assert event_lookup(stage) == (*row, [])


def test_unknown_codes_fall_back_to_in_transit_and_are_counted() -> None:
    assert lookup("Teleported", "Delivered_Other") == (Status.IN_TRANSIT, "Teleported", False, ["Teleported"])
    assert lookup("InTransit", "Delivered_Other")[0] is Status.IN_TRANSIT
    assert event_lookup("Beamed") == (Status.IN_TRANSIT, "Beamed", False, ["Beamed"])
    doc = json.loads(MIXED)
    doc["data"]["accepted"][0]["track_info"]["latest_status"] = {"status": "Delivered2", "sub_status": "Delivered2_X"}
    result = parse(json.dumps(doc).encode())[0]
    assert result.status is Status.IN_TRANSIT
    assert result.delivered_at is None
    assert result.unknown_codes == ["Delivered2", "Delivered2_X"]


def test_whole_call_error_holds_no_results() -> None:
    body = {"code": -18010002, "data": {"errors": [{"code": -18010002, "message": "Invalid security key."}]}}
    assert parse(json.dumps(body).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b'{"code": 0, "data": {"accepted": [{"number": "X", "track_info": {"latest_sta',
        b'{"code": 0}',
        b'{"code": 0, "data": [1]}',
        b'{"code": 0, "data": {"accepted": [{"number": "X", "track_info": {"tracking": {}}}]}}',
        b'{"code": 0, "data": {"accepted": [{"number": "X", "track_info": {"latest_status": {"status": "InTransit"},'
        b' "tracking": {"providers": [{"events": [{"time_raw": {"date": "soon"}}]}]}}}]}}',
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
