"""USPS v3 replies (and legacy TrackV2 XML) → results: recorded samples, our own fixture, the code tables."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.base import CarrierBadResponse
from carriers.result import ErrorKind
from carriers.status import Status
from carriers.usps import parse, parse_xml
from carriers.usps.codes import CATEGORIES, EVENT_CODES
from tests.carriers.samples import sample, sample_dir

FIXTURES = Path(__file__).parent / "fixtures"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def one_event(code: str, category: str | None = None) -> bytes:
    event = {"eventType": "scan", "eventTimestamp": "2026-06-01T10:00:00", "GMTOffset": "-04:00", "eventCode": code}
    detail: dict[str, object] = {"trackingNumber": "94001", "trackingEvents": [event]}
    if category is not None:
        detail["statusCategory"] = category
    return json.dumps(detail).encode()


def test_delivered_sample_uses_offset_not_the_gmt_timestamp() -> None:
    [result] = parse(sample("usps", "v3_tracking_detail_delivered_mailbox_real.json"))
    assert result.tracking_number == "9261290289104185136058"
    assert result.status is Status.DELIVERED
    assert len(result.events) == 15
    assert result.delivered_at == utc(2024, 11, 23, 19, 10)
    assert result.events[0].local_time == "2024-11-23T13:10:00"
    assert result.events[1].status is Status.OUT_FOR_DELIVERY
    # local 23:28 at -06:00 is 05:28 on the 22nd, although GMTTimestamp says the 21st
    partner = next(e for e in result.events if e.local_time == "2024-11-21T23:28:00")
    assert partner.time == utc(2024, 11, 22, 5, 28)
    assert result.events[-1].status is Status.INFO_RECEIVED
    assert result.unknown_codes == []
    assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)


def test_in_transit_sample_has_expected_delivery_and_clean_mail_class() -> None:
    [result] = parse(sample("usps", "v3_tracking_detail_in_transit_with_expected_delivery_real.json"))
    assert result.status is Status.IN_TRANSIT
    assert result.estimate is not None and result.estimate.earliest == date(2024, 11, 29)
    assert result.service == "USPS Ground Advantage™"
    departed = result.events[1]
    assert (departed.carrier_code, departed.time) == ("SF", utc(2024, 11, 26, 0, 31))
    # the pre-shipment event has no offset nor place: read in the origin state's zone (WI, UTC-6)
    assert result.events[-1].time == utc(2024, 11, 23, 6, 0)


def test_official_example_false_z_is_local_time_in_virginia() -> None:
    [result] = parse(sample("usps", "v3_tracking_detail_official_example_accepted.json"))
    assert result.status is Status.IN_TRANSIT
    assert result.events[0].time == utc(2023, 8, 2, 11, 31)  # 07:31 EDT, not 07:31 UTC
    assert result.service == "Priority Mail®"


def test_not_yet_available_400_body_is_not_found() -> None:
    [result] = parse(sample("usps", "v3_error_400_status_not_yet_available.json"))
    assert result.error is ErrorKind.NOT_FOUND
    assert result.error_message.startswith("150001: 12: A status update is not yet available")
    assert "<SUP>" not in result.error_message


@pytest.mark.parametrize(
    "name",
    ["v3_tracking_summary_official_example.json", "v3_oauth_error_invalid_client.json"],
)
def test_replies_that_are_not_tracking_details_are_bad_responses(name: str) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(sample("usps", name))


def test_schema_example_error_is_a_bad_response_result() -> None:
    [result] = parse(sample("usps", "v3_error_message_schema_example.json"))
    assert result.error is ErrorKind.BAD_RESPONSE


def test_every_code_of_the_error_inventory_is_not_found() -> None:
    rows = list(csv.DictReader((sample_dir("usps") / "v3_tracking_error_inventory.csv").open(encoding="utf-8")))
    assert len(rows) == 13
    for row in rows:
        body = {
            "error": {"code": "400", "message": row["Error Message"], "errors": [{"code": row["Message Error Code"]}]}
        }
        [result] = parse(json.dumps(body).encode())
        assert result.error is ErrorKind.NOT_FOUND, row["Message Error Code"]


def test_own_fixture_attempt_category_and_zone_rules() -> None:
    [result] = parse((FIXTURES / "detail_attempt_no_offsets.json").read_bytes())
    assert result.status is Status.FAILED_ATTEMPT
    assert result.substatus == "attempted"
    assert [e.time for e in result.events] == [
        utc(2026, 11, 2, 19, 15),  # no offset: Honolulu's zone from the event's state
        utc(2026, 11, 2, 17, 0),  # eventTimestamp + GMTOffset
        utc(2026, 10, 30, 23, 0),  # no place: origin state Arizona (UTC-7)
    ]
    assert result.unknown_codes == ["Z9"]
    assert result.events[0].status is Status.IN_TRANSIT
    assert result.estimate is not None and result.estimate.earliest == date(2026, 11, 3)
    assert result.delivered_at is None


def test_every_event_code_maps_through_parse() -> None:
    for code, (status, substatus, action) in EVENT_CODES.items():
        [result] = parse(one_event(code))
        assert (result.events[0].status, result.events[0].substatus, result.events[0].action_required) == (
            status,
            substatus,
            action,
        ), code
        assert result.status is status
        assert result.unknown_codes == []


def test_every_category_sets_the_current_status() -> None:
    for name, (status, _, _) in CATEGORIES.items():
        [result] = parse(one_event("03", name.title()))
        assert result.status is status, name
    assert {code for code, row in EVENT_CODES.items() if row[0] is Status.DELIVERED} == {"01"}


@pytest.mark.parametrize("category", [None, "Something New"])
def test_unknown_code_is_in_transit_and_counted(category: str | None) -> None:
    [result] = parse(one_event("QQ", category))
    assert result.status is Status.IN_TRANSIT
    assert "QQ" in result.unknown_codes
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Access Denied</body></html>", b'{"trackingNumber": "9400', b'{"trackingEvents": []}', b"[]"],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)


def test_legacy_batch_xml() -> None:
    delivered, _, missing, duplicate = parse_xml(
        sample("usps", "legacy_trackv2_TrackResponse_batch_delivered_and_errors.xml")
    )
    assert delivered.status is Status.DELIVERED
    assert len(delivered.events) == 10
    assert delivered.delivered_at == utc(2015, 4, 28, 14, 1)  # 9:01 am in Illinois, CDT
    assert delivered.events[-1].time == utc(2015, 4, 24, 4, 36)  # 11:36 pm in Texas the day before
    assert delivered.estimate is not None and delivered.estimate.earliest == date(2015, 4, 28)
    assert delivered.service == "First-Class Package Service"
    assert (missing.error, duplicate.error) == (ErrorKind.NOT_FOUND, ErrorKind.BAD_RESPONSE)


def test_legacy_in_transit_and_not_found_xml() -> None:
    [result] = parse_xml(sample("usps", "legacy_trackv2_TrackResponse_in_transit.xml"))
    assert result.status is Status.IN_TRANSIT
    assert result.events[0].time == utc(2016, 1, 7, 3, 45)  # 10:45 pm EST in Ohio
    [missing] = parse_xml(sample("usps", "legacy_trackv2_TrackResponse_not_found_error.xml"))
    assert missing.error is ErrorKind.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [b"<TrackResponse><TrackInfo", b"<html><body/></html>", b'<!DOCTYPE x [<!ENTITY a "b">]><TrackResponse/>'],
)
def test_legacy_malformed_xml_is_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse_xml(body)
