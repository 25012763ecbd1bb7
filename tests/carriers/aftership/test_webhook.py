"""AfterShip webhook: base64 HMAC-SHA256 over the raw body, and `msg` parsing."""

from __future__ import annotations

import json

import pytest

from carriers.aftership import parse_webhook, verify_webhook
from carriers.errors import CarrierBadResponse
from carriers.status import Status
from tests.carriers.samples import sample

SECRET = "as-webhook-secret-0001"
# Computed with `openssl dgst -sha256 -hmac <secret> -binary <sample> | base64`, independently of our code.
SIGNATURE = "GLwhU/D9oTWR7AuQULQY9dWH0Xi7K90TTGEZydKSEws="


def body() -> bytes:
    return sample("aftership", "webhook_tracking_update_doc_example_trimmed.json")


def test_valid_signature_passes() -> None:
    assert verify_webhook(body(), {"aftership-hmac-sha256": SIGNATURE}, SECRET)


@pytest.mark.parametrize("name", ["AfterShip-Hmac-Sha256", "AFTERSHIP-HMAC-SHA256"])
def test_header_name_is_case_insensitive(name: str) -> None:
    assert verify_webhook(body(), {name: SIGNATURE}, SECRET)


def test_one_byte_tamper_fails() -> None:
    raw = body()
    tampered = raw.replace(b"InTransit_001", b"InTransit_002", 1)
    assert len(tampered) == len(raw) and tampered != raw
    assert not verify_webhook(tampered, {"aftership-hmac-sha256": SIGNATURE}, SECRET)


def test_wrong_secret_fails() -> None:
    assert not verify_webhook(body(), {"aftership-hmac-sha256": SIGNATURE}, SECRET + "x")


def test_reserialised_json_fails() -> None:
    compact = json.dumps(json.loads(body()), separators=(",", ":")).encode()
    assert compact != body()
    assert not verify_webhook(compact, {"aftership-hmac-sha256": SIGNATURE}, SECRET)


@pytest.mark.parametrize("headers", [{}, {"aftership-hmac-sha256": ""}, {"x-signature": SIGNATURE}])
def test_missing_header_fails(headers: dict[str, str]) -> None:
    assert not verify_webhook(body(), headers, SECRET)


def test_empty_secret_never_verifies() -> None:
    assert not verify_webhook(body(), {"aftership-hmac-sha256": SIGNATURE}, "")


def test_parse_tracking_update() -> None:
    (result,) = parse_webhook(body())
    assert result.tracking_number == "0000000000000000"
    assert result.status is Status.IN_TRANSIT
    assert len(result.events) == 1


def test_events_without_tracking_carry_nothing() -> None:
    assert parse_webhook(json.dumps({"event": "tracking_pending_time", "msg": {}}).encode()) == []


def test_garbage_is_bad_response() -> None:
    with pytest.raises(CarrierBadResponse):
        parse_webhook(b'{"event": "tracking_update", "msg": {"tracking_number": ')
