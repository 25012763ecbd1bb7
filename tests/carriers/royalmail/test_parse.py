"""Royal Mail Tracking v2 parsing: recorded replies, our own fixture, every code row, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.errors import CarrierBadResponse
from carriers.result import Estimate
from carriers.royalmail import parse
from carriers.royalmail.codes import CATEGORIES, CODES
from carriers.royalmail.parse import read_errors
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def _body(code: str, category: str = "", last: str | None = None) -> bytes:
    event = {"eventCode": code, "eventName": "scan", "eventDateTime": "2026-03-02T09:00:00+00:00", "locationName": "X"}
    summary = {"lastEventCode": code if last is None else last, "statusCategory": category}
    return json.dumps({"mailPieces": {"mailPieceId": "AB123456785GB", "summary": summary, "events": [event]}}).encode()


def test_recorded_doc_example() -> None:
    [result] = parse(sample("royalmail", "mailpieces_v2_events_doc_example.json"))
    assert result.tracking_number == "090367574000000FE1E1B"
    assert result.status is Status.IN_TRANSIT
    assert result.substatus == "forwarded_mis_sort"
    assert result.service == "Special Delivery Guaranteed"
    [event] = result.events
    assert event.time == datetime(2016, 10, 20, 9, 4, tzinfo=UTC)
    assert event.local_time == "2016-10-20T10:04:00+01:00"
    assert event.location == "Stafford DO"
    assert result.estimate == Estimate(
        earliest=date(2017, 2, 20),
        latest=date(2017, 2, 20),
        window_start=datetime(2017, 2, 20, 7, 0, tzinfo=UTC),
        window_end=datetime(2017, 2, 20, 10, 0, tzinfo=UTC),
    )
    assert result.signed_by == "Simon"
    assert result.delivered_at is None
    assert result.unknown_codes == []


def test_recorded_e0004_is_an_error_document() -> None:
    body = sample("royalmail", "error_400_E0004_missing_terms_header.json")
    assert read_errors(body) == [("E0004", "Failed header validation for X-Accept-RMG-Terms")]
    with pytest.raises(CarrierBadResponse, match="E0004"):
        parse(body)


@pytest.mark.parametrize("name", sample_files("royalmail"))
def test_every_recorded_sample_parses_or_is_an_error_document(name: str) -> None:
    body = sample("royalmail", name)
    if read_errors(body):
        with pytest.raises(CarrierBadResponse):
            parse(body)
    else:
        assert [r.tracking_number for r in parse(body)] == ["090367574000000FE1E1B"]


def test_own_fixture_delivered_signed_with_unordered_events() -> None:
    [result] = parse((FIXTURES / "delivered_signed.json").read_bytes())
    assert result.status is Status.DELIVERED
    assert result.substatus == "delivered_signed"
    assert [e.carrier_code for e in result.events] == ["EVKSP", "EVGPD", "EVODO", "EVXYZ"]
    assert result.delivered_at == datetime(2026, 1, 14, 11, 32, tzinfo=UTC)
    assert result.signed_by == "J PATEL"
    # 06:05 with no offset is UK wall time (GMT in January).
    assert result.events[1].time == datetime(2026, 1, 14, 6, 5, tzinfo=UTC)
    assert result.unknown_codes == ["EVXYZ"]
    assert result.events[3].status is Status.IN_TRANSIT
    assert result.estimate is None


def test_bst_wall_time_is_not_utc() -> None:
    body = _body("EVODO").replace(b"2026-03-02T09:00:00+00:00", b"2026-07-02T09:00:00")
    [result] = parse(body)
    assert result.events[0].time == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("code", "row"), sorted(CODES.items()))
def test_every_code_of_the_table(code: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body(code))
    event = result.events[0]
    assert (event.status, event.substatus, event.action_required) == row
    assert (result.status, result.substatus) == row[:2]
    assert result.unknown_codes == []


@pytest.mark.parametrize(("category", "row"), sorted(CATEGORIES.items()))
def test_every_category_is_used_when_the_last_code_is_unknown(category: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body("EVNEW", category=category))
    assert (result.status, result.substatus) == row[:2]
    assert result.unknown_codes == ["EVNEW"]


def test_unknown_code_and_category_are_in_transit_counted_never_delivered() -> None:
    [result] = parse(_body("EVNEW", category="SOMETHING ELSE"))
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["EVNEW"]
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>IBM API Connect</body></html>",
        b'{"mailPieces": {"mailPieceId": "AB1',
        b'{"mailPieces": {"events": []}}',
        b'{"mailPieces": {"mailPieceId": "A", "events": [{"eventName": "no code"}]}}',
        b'{"mailPieces": {"mailPieceId": "A", "events": [{"eventCode": "EVKSP", "eventDateTime": "late"}]}}',
        b"[]",
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
