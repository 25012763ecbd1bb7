"""EasyPost webhook signature (the published test vector) and Event parsing."""

from __future__ import annotations

import json

import pytest

from carriers.easypost import parse_webhook, verify_webhook
from carriers.errors import CarrierBadResponse
from carriers.status import Status
from tests.carriers.samples import sample


def vector() -> tuple[bytes, str, str]:
    spec = json.loads(sample("easypost", "webhook_signature_test_vector.json"))
    raw = sample("easypost", spec["signed_body_file"])
    assert len(raw) == spec["signed_body_bytes"]
    return raw, spec["webhook_secret"], spec["expected_header_value"]


def test_valid_vector_passes() -> None:
    raw, secret, signature = vector()
    assert verify_webhook(raw, {"X-Hmac-Signature": signature}, secret)


@pytest.mark.parametrize("name", ["x-hmac-signature", "X-HMAC-SIGNATURE"])
def test_header_name_is_case_insensitive(name: str) -> None:
    raw, secret, signature = vector()
    assert verify_webhook(raw, {name: signature}, secret)


def test_secret_is_nfkd_normalised() -> None:
    raw, secret, signature = vector()
    decomposed = "se\u0301cret"
    assert decomposed != secret
    assert verify_webhook(raw, {"X-Hmac-Signature": signature}, decomposed)


def test_one_byte_tamper_fails() -> None:
    raw, secret, signature = vector()
    tampered = raw.replace(b'"in_transit"', b'"in_transiT"', 1)
    assert len(tampered) == len(raw) and tampered != raw
    assert not verify_webhook(tampered, {"X-Hmac-Signature": signature}, secret)


def test_wrong_secret_fails() -> None:
    raw, _, signature = vector()
    assert not verify_webhook(raw, {"X-Hmac-Signature": signature}, "secret")


def test_reserialised_json_fails() -> None:
    raw, secret, signature = vector()
    reserialised = json.dumps(json.loads(raw), indent=2).encode()
    assert not verify_webhook(reserialised, {"X-Hmac-Signature": signature}, secret)


@pytest.mark.parametrize(
    "headers", [{}, {"X-Hmac-Signature": ""}, {"X-Other": "hmac-sha256-hex=00"}, {"X-Hmac-Signature": "garbage"}]
)
def test_missing_or_malformed_header_fails(headers: dict[str, str]) -> None:
    raw, secret, _ = vector()
    assert not verify_webhook(raw, headers, secret)


def test_empty_secret_never_verifies() -> None:
    raw, _, signature = vector()
    assert not verify_webhook(raw, {"X-Hmac-Signature": signature}, "")


def test_parse_webhook_event() -> None:
    raw, _, _ = vector()
    (result,) = parse_webhook(raw)
    assert result.tracking_number == "1"
    assert result.status is Status.IN_TRANSIT
    assert len(result.events) == 7


def test_non_tracker_event_carries_nothing() -> None:
    body = {"object": "Event", "description": "batch.created", "result": {"object": "Batch"}}
    assert parse_webhook(json.dumps(body).encode()) == []


def test_garbage_webhook_body_is_bad_response() -> None:
    with pytest.raises(CarrierBadResponse):
        parse_webhook(b"not json")
