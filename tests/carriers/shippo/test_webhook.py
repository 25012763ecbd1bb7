"""Shippo webhook: URL-token check and `track_updated` parsing (envelope built around a recorded Track)."""

from __future__ import annotations

import json

import pytest

from carriers.errors import CarrierBadResponse
from carriers.shippo import parse_webhook, verify_webhook
from carriers.status import Status
from tests.carriers.samples import sample

SECRET = "b6f1c0d2-webhook-token"


def delivery() -> bytes:
    track = json.loads(sample("shippo", "tracks_get_usps_delivered.json"))["response_body"]
    return json.dumps({"event": "track_updated", "test": True, "data": track}).encode()


def test_matching_url_token_passes() -> None:
    assert verify_webhook(delivery(), {}, SECRET, url_token=SECRET)


@pytest.mark.parametrize("token", ["", "b6f1c0d2-webhook-tokem", SECRET + "x", SECRET.upper()])
def test_wrong_or_missing_token_fails(token: str) -> None:
    assert not verify_webhook(delivery(), {}, SECRET, url_token=token)


def test_empty_secret_never_verifies() -> None:
    assert not verify_webhook(delivery(), {}, "", url_token="")


def test_parse_track_updated() -> None:
    (result,) = parse_webhook(delivery())
    assert result.tracking_number == "9205590164917337534322"
    assert result.status is Status.DELIVERED
    assert len(result.events) == 11


def test_other_events_carry_nothing() -> None:
    body = json.dumps({"event": "transaction_created", "data": {"object_id": "x"}}).encode()
    assert parse_webhook(body) == []


def test_garbage_is_bad_response() -> None:
    with pytest.raises(CarrierBadResponse):
        parse_webhook(b'{"event": "track_updated", "data": {"tracking_number": "1", "tracking_status": ')
