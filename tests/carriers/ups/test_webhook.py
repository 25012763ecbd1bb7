"""UPS Track Alert pushes: the echoed credential, and the two documented event examples."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from carriers.base import CarrierBadResponse
from carriers.status import Status
from carriers.ups import parse_webhook, verify_webhook
from tests.carriers.samples import sample

BODY = b'{"trackingNumber": "1Z204W4R0308071865"}'


def examples() -> dict[str, bytes]:
    data = json.loads(sample("ups", "trackalert_webhook_examples_out_for_delivery_and_delivered.json"))
    return {name: json.dumps(event).encode() for name, event in data.items()}


@pytest.mark.parametrize(
    ("headers", "url_token", "secret", "valid"),
    [
        ({"credential": "opaque-123", "User-Agent": "UPSPubSubTrackingService"}, "", "opaque-123", True),
        ({"Credential": "opaque-123"}, "", "opaque-123", True),
        ({"x-api-key": "opaque-123"}, "", "opaque-123", True),
        ({}, "opaque-123", "opaque-123", True),
        ({"credential": "opaque-124"}, "", "opaque-123", False),
        ({"credential": "opaque-12"}, "", "opaque-123", False),
        ({}, "", "opaque-123", False),
        ({"credential": ""}, "", "", False),
        ({}, "wrong", "opaque-123", False),
    ],
)
def test_verify_webhook(headers: dict[str, str], url_token: str, secret: str, valid: bool) -> None:
    assert verify_webhook(BODY, headers, secret, url_token=url_token) is valid


def test_out_for_delivery_push() -> None:
    [result] = parse_webhook(examples()["Out for delivery message"])
    assert result.tracking_number == "1Z204W4R0308071865"
    assert result.status is Status.OUT_FOR_DELIVERY
    [event] = result.events
    assert event.time == datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC)
    assert event.local_time == "2024-04-23T09:15:19"
    assert event.location == "Charlotte, NC, US"
    assert result.estimate is not None and result.estimate.earliest == date(2024, 4, 23)
    assert result.delivered_at is None


def test_delivered_push() -> None:
    [result] = parse_webhook(examples()["Delivery message"])
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC)
    assert result.signed_by == "John"
    assert result.estimate is None  # the stale 2019 scheduled date is not an estimate once delivered


def test_push_without_gmt_fields_uses_the_activity_state() -> None:
    event = {
        "trackingNumber": " 1ZABCXYZ0112346789",
        "localActivityDate": "20240701",
        "localActivityTime": "080000",
        "activityLocation": {"city": "Hickory", "stateProvince": "NC", "country": "US"},
        "activityStatus": {"type": "I", "code": "OR", "description": "On the Way", "descriptionCode": "005"},
    }
    [result] = parse_webhook(json.dumps(event).encode())
    assert result.tracking_number == "1ZABCXYZ0112346789"
    assert result.events[0].time == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)  # EDT, UTC-4
    assert result.status is Status.IN_TRANSIT


@pytest.mark.parametrize("raw", [b"<html></html>", b'{"trackingNumber": "1Z"', b'{"foo": 1}', b"[1]"])
def test_malformed_push_is_bad_response(raw: bytes) -> None:
    with pytest.raises(CarrierBadResponse):
        parse_webhook(raw)
