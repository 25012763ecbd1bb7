"""Twilio webhook helpers: signatures checked against the documented algorithm, keywords, status callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from notifications.twilio_webhooks import opt_keyword, parse_status_callback, verify_twilio_signature

TOKEN = "test-auth-token-0001"
URL = "https://shop.example.com/webhooks/twilio/status?merchant=7"
PARAMS = {
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "MessageStatus": "delivered",
    "To": "+14155552671",
    "From": "+15005550006",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
}


def documented_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's scheme written out independently: URL + name/value pairs sorted by name, HMAC-SHA1, base64."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def test_valid_signature_is_accepted() -> None:
    assert verify_twilio_signature(URL, PARAMS, documented_signature(URL, PARAMS, TOKEN), TOKEN) is True


@pytest.mark.parametrize(
    ("url", "params", "token"),
    [
        (URL, {**PARAMS, "MessageStatus": "failed"}, TOKEN),  # tampered value
        (URL, {**PARAMS, "ErrorCode": "30007"}, TOKEN),  # added field
        (URL.replace("merchant=7", "merchant=8"), PARAMS, TOKEN),  # other URL
        (URL, PARAMS, "another-token"),  # wrong secret
    ],
)
def test_tampered_requests_are_rejected(url: str, params: dict[str, str], token: str) -> None:
    signature = documented_signature(URL, PARAMS, TOKEN)
    assert verify_twilio_signature(url, params, signature, token) is False


def test_missing_signature_or_token_is_rejected() -> None:
    signature = documented_signature(URL, PARAMS, TOKEN)
    assert verify_twilio_signature(URL, PARAMS, "", TOKEN) is False
    assert verify_twilio_signature(URL, PARAMS, signature, "") is False


def test_one_flipped_character_is_rejected() -> None:
    signature = documented_signature(URL, PARAMS, TOKEN)
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert verify_twilio_signature(URL, PARAMS, flipped, TOKEN) is False


STOP_BODIES = (
    *("STOP", "stop", "  Stop  ", "Stop.", "STOPALL", "stop all", "Unsubscribe", "cancel", "END", "quit", "REVOKE"),
    *("optout", "Opt Out", "stop texting me", "Please stop sending me messages", "don't text me anymore"),
    *("Do not message me again", "remove me", "Opt me out please", "Stop please", "STOP!!!"),
)
ORDINARY_BODIES = (
    *("", "Thanks!", "cancel my order", "When will it arrive?", "I stopped by the depot", "yesterday", "helpful"),
    *("information please", "where is it? end of street", "Yes it arrived, thank you"),
)


@pytest.mark.parametrize("body", STOP_BODIES)
def test_stop_requests(body: str) -> None:
    assert opt_keyword(body) == "stop"


@pytest.mark.parametrize("body", ["START", "start", " Yes ", "yes!", "UNSTOP", "un stop"])
def test_start_keywords(body: str) -> None:
    assert opt_keyword(body) == "start"


@pytest.mark.parametrize("body", ["HELP", "help", "Help?", "INFO", "info "])
def test_help_keywords(body: str) -> None:
    assert opt_keyword(body) == "help"


@pytest.mark.parametrize("body", ORDINARY_BODIES)
def test_ordinary_messages_are_not_keywords(body: str) -> None:
    assert opt_keyword(body) is None


def test_status_callback_delivered() -> None:
    assert parse_status_callback(PARAMS) == ("SM0123456789abcdef0123456789abcdef", "delivered", None)


def test_status_callback_with_error_code() -> None:
    params = {**PARAMS, "MessageStatus": "Undelivered", "ErrorCode": "30007"}
    assert parse_status_callback(params) == ("SM0123456789abcdef0123456789abcdef", "undelivered", "30007")


def test_status_callback_legacy_sms_fields() -> None:
    assert parse_status_callback({"SmsSid": "SMabc", "SmsStatus": "sent"}) == ("SMabc", "sent", None)


@pytest.mark.parametrize(
    "params", [{}, {"MessageSid": "SMabc"}, {"MessageStatus": "sent"}, {"MessageSid": " ", "MessageStatus": "sent"}]
)
def test_status_callback_without_sid_or_status_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="MessageSid"):
        parse_status_callback(params)
