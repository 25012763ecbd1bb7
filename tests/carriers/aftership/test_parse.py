"""AfterShip parsing: the recorded webhook, our own list fixture, every code-table row, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.aftership import parse
from carriers.aftership.codes import SUBTAGS, TAGS, lookup
from carriers.aftership.zones import courier_zone
from carriers.errors import CarrierBadResponse
from carriers.status import Status
from carriers.times import ALPHA3_TO_ALPHA2, COUNTRY_ZONES, REGION_ZONES, place_zone
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def own() -> dict[str, object]:
    return {r.tracking_number: r for r in parse((FIXTURES / "trackings_list_delivered.json").read_bytes())}


def test_every_recorded_sample_is_covered() -> None:
    names = sample_files("aftership", "")
    if not names:
        pytest.skip("recorded AfterShip samples are absent")
    assert set(names) == {
        "SOURCE.md",
        "error_codes_meta_code_table.csv",
        "webhook_tracking_update_doc_example_trimmed.json",
    }


def test_recorded_webhook_body() -> None:
    (result,) = parse(sample("aftership", "webhook_tracking_update_doc_example_trimmed.json"))
    assert result.tracking_number == "0000000000000000"
    assert (result.status, result.substatus) == (Status.IN_TRANSIT, "in_transit")
    (event,) = result.events
    # A bare USPS wall time with no place: read in USPS's home zone (EST in January), never as UTC.
    assert event.time == datetime(2021, 1, 14, 5, 52, tzinfo=UTC)
    assert event.local_time == "2021-01-14T00:52:00"
    assert event.carrier_code == "InTransit_001"


def test_recorded_error_table_codes_parse_as_empty() -> None:
    rows = sample("aftership", "error_codes_meta_code_table.csv").decode().splitlines()[1:]
    assert len(rows) >= 20
    for row in rows:
        code = int(row.split(",")[1])
        assert parse(json.dumps({"meta": {"code": code, "message": "x"}, "data": {}}).encode()) == []


def test_own_delivered_tracking() -> None:
    result = own()["RA123456789FR"]
    assert (result.status, result.substatus) == (Status.DELIVERED, "signed")
    assert result.signed_by == "M. DUPONT"
    assert result.service == "Colissimo Expert"
    assert result.delivered_at == datetime(2026, 3, 28, 10, 42, tzinfo=UTC)
    assert result.estimate is not None and result.estimate.earliest == date(2026, 3, 28)
    assert [e.status for e in result.events] == [Status.DELIVERED, Status.OUT_FOR_DELIVERY, Status.IN_TRANSIT]
    # Paris wall times (CET before the 29 March DST switch) become UTC.
    assert result.events[1].time == datetime(2026, 3, 28, 6, 15, tzinfo=UTC)
    assert result.events[2].time == datetime(2026, 3, 26, 17, 3, tzinfo=UTC)
    assert result.events[2].location == "PARIS, 75015, France"


def test_own_pickup_tracking_window_and_unknown_subtag() -> None:
    result = own()["9400111899223344556677"]
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.events[0].action_required is True
    # Seattle in July is UTC-7.
    assert result.events[0].time == datetime(2026, 7, 1, 23, 20, tzinfo=UTC)
    # A bare date with no place: USPS's home zone midnight.
    assert result.events[1].time == datetime(2026, 6, 30, 4, 0, tzinfo=UTC)
    assert result.events[1].status is Status.IN_TRANSIT
    assert result.unknown_codes == ["InTransit_013"]
    assert result.estimate is not None
    assert (result.estimate.earliest, result.estimate.latest) == (date(2026, 7, 2), date(2026, 7, 4))


@pytest.mark.parametrize(("tag", "row"), sorted(TAGS.items()))
def test_every_tag_row(tag: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(tag) == (*row, [])


@pytest.mark.parametrize(("subtag", "row"), sorted(SUBTAGS.items()))
def test_every_subtag_row(subtag: str, row: tuple[Status, str, bool]) -> None:
    assert lookup(subtag.split("_")[0], subtag) == (*row, [])


def test_subtag_of_another_family_never_promotes() -> None:
    assert lookup("InTransit", "Delivered_001")[0] is Status.IN_TRANSIT
    assert lookup("Teleported", "Delivered_001") == (Status.IN_TRANSIT, "Teleported", False, ["Teleported"])


def test_unknown_tag_is_in_transit_and_counted() -> None:
    body = {"meta": {"code": 200}, "data": {"tracking_number": "X1", "tag": "Beamed", "subtag": "Beamed_001"}}
    (result,) = parse(json.dumps(body).encode())
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["Beamed", "Beamed_001"]


def test_zone_tables_resolve() -> None:
    assert all(place_zone(country) is not None for country in COUNTRY_ZONES)
    single = [alpha3 for alpha3, alpha2 in ALPHA3_TO_ALPHA2.items() if alpha2 in COUNTRY_ZONES]
    assert len(single) == len(ALPHA3_TO_ALPHA2) - 3  # all but USA, CAN and AUS, which need a state
    assert all(place_zone(alpha3) == place_zone(ALPHA3_TO_ALPHA2[alpha3]) for alpha3 in single)
    assert place_zone("CAN", "BC") == place_zone("CA", "BC") is not None and place_zone("", "TX") is not None
    assert all(place_zone(country, state) is not None for country, state in REGION_ZONES)
    assert place_zone("USA") is None and place_zone("") is None
    assert courier_zone("usps") is not None and courier_zone("nobody") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"meta": {"code": 200}, "data": {"trackings": [{"tracking_number": "1"',
        b'{"meta": {"code": 200}}',
        b'{"meta": {"code": 200}, "data": {"trackings": {}}}',
        b'{"meta": {"code": 200}, "data": {"tracking_number": "X", "tag": "InTransit", "checkpoints": '
        b'[{"checkpoint_time": "yesterday", "tag": "InTransit"}]}}',
        b"42",
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
