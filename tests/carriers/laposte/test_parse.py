"""La Poste Suivi v2 parsing: recorded replies, our own fixtures, every code of the table, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carriers.errors import CarrierBadResponse
from carriers.laposte import parse
from carriers.laposte.codes import CODES
from carriers.laposte.parse import quota_message
from carriers.result import ErrorKind
from carriers.status import Status
from tests.carriers.samples import sample, sample_files

FIXTURES = Path(__file__).parent / "fixtures"


def _body(*events: dict[str, str]) -> bytes:
    shipment = {"idShip": "6A12345678901", "product": "colissimo", "event": list(events)}
    return json.dumps({"returnCode": 200, "shipment": shipment}).encode()


def test_recorded_delivered_colissimo() -> None:
    [result] = parse(sample("laposte", "suivi_v2_idships_colissimo_delivered.json"))
    assert result.ok
    assert result.tracking_number == "EW112720413FR"
    assert result.status is Status.DELIVERED
    assert result.service == "colissimo"
    assert len(result.events) == 9
    assert [e.carrier_code for e in result.events[:3]] == ["DI1", "MD2", "ET1"]
    assert result.events[0].time == datetime(2023, 3, 9, 8, 38, tzinfo=UTC)
    assert result.events[0].local_time == "2023-03-09T09:38:00+01:00"
    assert result.events[-1].carrier_code == "DR1"
    assert result.events[-1].status is Status.INFO_RECEIVED
    assert result.events[-1].time == datetime(2023, 2, 17, 13, 41, tzinfo=UTC)
    assert result.events[1].status is Status.OUT_FOR_DELIVERY
    assert result.delivered_at == datetime(2023, 3, 9, 8, 38, tzinfo=UTC)
    assert result.estimate is not None and result.estimate.earliest == date(2023, 3, 9)
    assert result.unknown_codes == []
    times = [e.time for e in result.events]
    assert times == sorted(times, reverse=True)
    assert all(e.time.utcoffset().total_seconds() == 0 for e in result.events)


def test_recorded_invalid_number_is_soft_not_found() -> None:
    [result] = parse(sample("laposte", "suivi_v2_error_400_invalid_number.json"))
    assert result.error is ErrorKind.NOT_FOUND
    assert result.tracking_number.startswith("WBZQ03ENZJ6")
    assert "n’est pas valide" in result.error_message


def test_recorded_quota_schema_gives_gateway_message() -> None:
    body = sample("laposte", "suivi_v2_error_schema_incl_429_quota_fields.json")
    assert quota_message(body) == "max quota reached (100 calls per 1s)"
    [result] = parse(body)
    assert result.error is ErrorKind.NOT_FOUND
    assert result.tracking_number == "123982738923"


@pytest.mark.parametrize("name", sample_files("laposte"))
def test_every_recorded_sample_parses(name: str) -> None:
    results = parse(sample("laposte", name))
    assert results and all(r.tracking_number for r in results)


def test_own_fixture_array_with_pickup_unknown_code_and_bare_time() -> None:
    pickup, missing = parse((FIXTURES / "pickup_array.json").read_bytes())
    assert pickup.status is Status.AVAILABLE_FOR_PICKUP
    assert pickup.substatus == "awaiting_collection"
    assert pickup.events[0].action_required is True
    assert pickup.estimate is not None and pickup.estimate.earliest == date(2026, 7, 4)
    assert pickup.delivered_at is None
    assert pickup.unknown_codes == ["ZZ9"]
    strange = pickup.events[1]
    assert strange.status is Status.IN_TRANSIT
    # A bare wall time is Paris time (summer, +02:00), never UTC.
    assert strange.time == datetime(2026, 7, 3, 7, 0, tzinfo=UTC)
    assert strange.local_time == "2026-07-03T09:00:00"
    assert missing.error is ErrorKind.NOT_FOUND
    assert missing.tracking_number == "6A00000000000"


@pytest.mark.parametrize(("code", "row"), sorted(CODES.items()))
def test_every_code_of_the_table(code: str, row: tuple[Status, str, bool]) -> None:
    [result] = parse(_body({"code": code, "label": "x", "date": "2026-01-10T08:00:00+01:00"}))
    assert (result.status, result.substatus, result.events[0].action_required) == row
    assert result.unknown_codes == []


def test_unknown_code_is_in_transit_and_counted_never_delivered() -> None:
    [result] = parse(
        _body(
            {"code": "XX7", "label": "new", "date": "2026-01-11T08:00:00+01:00"},
            {"code": "PC1", "label": "taken", "date": "2026-01-10T08:00:00+01:00"},
        )
    )
    assert result.status is Status.IN_TRANSIT
    assert result.unknown_codes == ["XX7"]
    assert result.delivered_at is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Service unavailable</body></html>",
        b'{"returnCode": 200, "shipment": {"idShip": "6A1',
        b'{"returnCode": 200, "shipment": {"idShip": "6A1", "event": [{"label": "no code"}]}}',
        b'{"unexpected": true}',
        b'{"returnCode": 200, "shipment": {"idShip": "6A1", "event": [{"code": "DI1", "date": "yesterday"}]}}',
        b"[1, 2]",
    ],
)
def test_malformed_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse(body)
