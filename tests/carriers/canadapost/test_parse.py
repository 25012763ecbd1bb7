"""Canada Post VIS parsing: recorded replies, zone abbreviations, our own fixture, every code, bad bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.canadapost import parse
from carriers.canadapost.codes import CODES
from carriers.canadapost.parse import read_messages
from carriers.errors import CarrierBadResponse
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def _body(code: str, zone: str = "EST", province: str = "ON", day: str = "2026-01-15") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<tracking-detail xmlns="http://www.canadapost.ca/ws/track">
  <pin>1234567890123456</pin>
  <significant-events><occurrence>
    <event-identifier>{code}</event-identifier><event-date>{day}</event-date><event-time>10:00:00</event-time>
    <event-time-zone>{zone}</event-time-zone><event-description>scan</event-description>
    <signatory-name/><event-site>OTTAWA</event-site><event-province>{province}</event-province>
  </occurrence></significant-events>
</tracking-detail>""".encode()


def test_recorded_delivered_xpresspost() -> None:
    [result] = parse(sample("canadapost", "tracking_details_delivered.xml"))
    assert result.tracking_number == "1371134583769923"
    assert result.status is Status.DELIVERED
    assert result.service == "Xpresspost"
    assert len(result.events) == 10
    # 11:59:59 EST is 16:59:59 UTC.
    assert result.delivered_at == datetime(2011, 2, 3, 16, 59, 59, tzinfo=UTC)
    assert result.signed_by == "HETU"
    assert result.estimate is not None and result.estimate.earliest == date(2011, 2, 11)
    newest, oldest = result.events[0], result.events[-1]
    assert newest.carrier_code == "1496" and newest.location == "SAINTE-FOY, QC"
    assert newest.local_time == "2011-02-03 11:59:59 EST"
    assert oldest.carrier_code == "3000" and oldest.status is Status.INFO_RECEIVED
    assert oldest.time == datetime(2011, 1, 31, 19, 34, 57, tzinfo=UTC)
    assert [e.status for e in result.events if e.carrier_code == "0174"] == [Status.OUT_FOR_DELIVERY]
    assert [e.status for e in result.events if e.carrier_code == "0173"] == [Status.EXCEPTION]
    assert result.unknown_codes == []
    times = [e.time for e in result.events]
    assert times == sorted(times, reverse=True)


def test_recorded_error_documents_are_read_as_messages_not_results() -> None:
    assert read_messages(sample("canadapost", "tracking_error_messages.xml")) == [("004", "No Pin History")]
    assert read_messages(sample("canadapost", "auth_error_E002.xml")) == [("E002", "AAA Authentication Failure")]
    with pytest.raises(CarrierBadResponse, match="No Pin History"):
        parse(sample("canadapost", "tracking_error_messages.xml"))


@pytest.mark.parametrize("name", sample_files("canadapost", ".xml"))
def test_every_recorded_sample_is_either_a_result_or_a_message(name: str) -> None:
    body = sample("canadapost", name)
    if read_messages(body):
        with pytest.raises(CarrierBadResponse):
            parse(body)
    else:
        assert [r.tracking_number for r in parse(body)] == ["1371134583769923"]


def test_own_fixture_zones_pickup_and_unknown_code() -> None:
    [result] = parse((FIXTURES / "awaiting_pickup.xml").read_bytes())
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.events[0].action_required is True
    assert result.events[0].time == datetime(2026, 7, 7, 23, 5, tzinfo=UTC)  # 16:05 PDT
    # No abbreviation: Alberta's zone in summer (MDT, -6).
    assert result.events[1].time == datetime(2026, 7, 7, 4, 10, tzinfo=UTC)
    assert result.events[1].status is Status.IN_TRANSIT
    assert result.events[2].time == datetime(2026, 7, 6, 13, 0, tzinfo=UTC)  # HAE is French for EDT
    assert result.unknown_codes == ["9999"]
    assert result.estimate is not None and result.estimate.earliest == date(2026, 7, 8)
    assert result.service == "Expedited Parcel"
    assert result.delivered_at is None and result.signed_by == ""


@pytest.mark.parametrize(
    ("zone", "province", "expected_hour"),
    [("NST", "NL", 13), ("AST", "NS", 14), ("EDT", "ON", 14), ("CST", "MB", 16), ("MST", "AB", 17), ("PST", "BC", 18)],
)
def test_zone_abbreviations_become_offsets(zone: str, province: str, expected_hour: int) -> None:
    [result] = parse(_body("0100", zone=zone, province=province))
    moment = result.events[0].time
    assert (moment.hour, moment.minute) == (expected_hour, 30 if zone == "NST" else 0)
    assert moment.tzinfo is UTC


def test_winter_wall_time_without_abbreviation_uses_province_zone() -> None:
    [result] = parse(_body("0100", zone="", province="BC"))
    assert result.events[0].time == datetime(2026, 1, 15, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(("code", "row"), sorted(CODES.items()))
def test_every_code_of_the_table(code: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body(code.zfill(4)))
    assert (result.status, result.substatus, result.events[0].action_required) == row
    assert result.unknown_codes == []
    assert (result.delivered_at is not None) == (row[0] is Status.DELIVERED)


def test_unknown_code_is_in_transit_and_counted_never_delivered() -> None:
    [result] = parse(_body("8888"))
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["8888"]
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Gateway error</body></html>",
        b'<?xml version="1.0"?><tracking-detail xmlns="http://www.canadapost.ca/ws/track"><pin>1',
        b'<tracking-detail xmlns="http://www.canadapost.ca/ws/track"><service-name>x</service-name></tracking-detail>',
        b"{}",
        _body("0100", day="someday"),
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><tracking-detail><pin>&a;</pin></tracking-detail>',
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
