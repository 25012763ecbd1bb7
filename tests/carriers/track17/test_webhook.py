"""17TRACK push signature (`sign` = SHA-256 of body + "/" + key) and push parsing."""

from __future__ import annotations

import json

import pytest

from carriers.errors import CarrierBadResponse
from carriers.status import Status
from carriers.track17 import parse_webhook, verify_webhook
from tests.carriers.samples import sample

KEY = "17TRACK-KEY-0001"
# Computed with `(cat <sample>; printf '/%s' KEY) | sha256sum`, independently of our code.
SIGN = "9215315799a4d2b666bf5599535f6abdc5610dea9fa67d8b486eebd8ad043308"


def body() -> bytes:
    return sample("17track", "webhook_tracking_updated_ups_delivered.json")


def test_valid_sign_passes() -> None:
    assert verify_webhook(body(), {"sign": SIGN}, KEY)


@pytest.mark.parametrize("name", ["Sign", "SIGN"])
def test_header_name_is_case_insensitive(name: str) -> None:
    assert verify_webhook(body(), {name: SIGN.upper()}, KEY)


def test_one_byte_tamper_fails() -> None:
    raw = body()
    tampered = raw.replace(b"GASQUET", b"GASQUEt", 1)
    assert len(tampered) == len(raw) and tampered != raw
    assert not verify_webhook(tampered, {"sign": SIGN}, KEY)


def test_wrong_key_fails() -> None:
    assert not verify_webhook(body(), {"sign": SIGN}, "17TRACK-KEY-0002")


def test_reserialised_json_fails() -> None:
    compact = json.dumps(json.loads(body()), separators=(",", ":")).encode()
    assert not verify_webhook(compact, {"sign": SIGN}, KEY)


def test_is_a_hash_not_an_hmac() -> None:
    import hashlib
    import hmac

    as_hmac = hmac.new(KEY.encode(), body(), hashlib.sha256).hexdigest()
    assert not verify_webhook(body(), {"sign": as_hmac}, KEY)


@pytest.mark.parametrize("headers", [{}, {"sign": ""}, {"signature": SIGN}])
def test_missing_header_fails(headers: dict[str, str]) -> None:
    assert not verify_webhook(body(), headers, KEY)


def test_empty_key_never_verifies() -> None:
    assert not verify_webhook(body(), {"sign": SIGN}, "")


def test_parse_tracking_updated() -> None:
    (result,) = parse_webhook(body())
    assert result.tracking_number == "1Z2617V10397725789"
    assert result.status is Status.DELIVERED


def test_tracking_stopped_carries_nothing() -> None:
    assert parse_webhook(json.dumps({"event": "TRACKING_STOPPED", "data": {"number": "X"}}).encode()) == []


def test_garbage_is_bad_response() -> None:
    with pytest.raises(CarrierBadResponse):
        parse_webhook(b'{"event": "TRACKING_UPDATED", "data": {"number": "1Z", "track_info": {')
