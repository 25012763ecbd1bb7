"""E.164 normalisation and the numbers we refuse to text."""

from __future__ import annotations

import pytest

from notifications.phone import PhoneNumberError, to_e164


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "us", "+14155552671"),
        ("  +1 415 555 2671 ", None, "+14155552671"),
        ("07400 123456", "GB", "+447400123456"),
        ("+44 7400 123456", "US", "+447400123456"),  # an explicit country code wins over the default region
        ("01511 2345678", "DE", "+4915112345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_to_e164_normalises(raw: str, region: str | None, expected: str) -> None:
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("hello", "US", "unparseable"),
        ("4155552671", None, "unparseable"),  # national format without a region is ambiguous
        ("12345", "US", "invalid"),
        ("+1 555 555 55555", None, "invalid"),
        ("+1 900 555 0123", None, "premium_rate"),
        ("09001 234567", "GB", "premium_rate"),
        ("+34 901 123 456", None, "shared_cost"),
    ],
)
def test_to_e164_rejects(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(PhoneNumberError) as caught:
        to_e164(raw, region)
    assert caught.value.reason == reason
    assert raw.strip() in str(caught.value)


def test_rejection_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a valid phone number"):
        to_e164("12345", "US")


def test_allowed_regions_refuse_other_countries() -> None:
    with pytest.raises(PhoneNumberError) as caught:
        to_e164("+447400123456", allowed_regions={"US", "CA"})
    assert caught.value.reason == "country_not_allowed"
    assert "GB" in str(caught.value)


def test_allowed_regions_accept_listed_countries_in_any_case() -> None:
    assert to_e164("07400 123456", "GB", allowed_regions=["gb", "ie"]) == "+447400123456"
