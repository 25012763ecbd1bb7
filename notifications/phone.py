"""Phone numbers for SMS: normalise to E.164 with phonenumbers, refusing numbers we must never text."""

from __future__ import annotations

from collections.abc import Collection

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

# Texting these bills the sender per message at a premium: the classic SMS-pumping target.
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
}


class PhoneNumberError(ValueError):
    """A number we will not send to; `reason` is a stable slug for logs and the settings UI."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _parse(raw: str, default_region: str | None) -> phonenumbers.PhoneNumber:
    region = default_region.upper() if default_region else None
    try:
        return phonenumbers.parse(raw.strip(), region)
    except NumberParseException as exc:
        raise PhoneNumberError(f"cannot read {raw!r} as a phone number: {exc}", "unparseable") from exc


def _check_type(number: phonenumbers.PhoneNumber, raw: str) -> None:
    reason = _REFUSED_TYPES.get(phonenumbers.number_type(number))
    if reason is not None:
        label = reason.replace("_", "-")
        raise PhoneNumberError(f"{raw!r} is a {label} number; we do not send SMS to those", reason)


def _check_region(number: phonenumbers.PhoneNumber, raw: str, allowed: Collection[str] | None) -> None:
    if allowed is None:
        return
    region = phonenumbers.region_code_for_number(number)
    if region not in {code.upper() for code in allowed}:
        raise PhoneNumberError(f"{raw!r} is in {region}, which is not an allowed SMS country", "country_not_allowed")


def to_e164(raw: str, default_region: str | None = None, *, allowed_regions: Collection[str] | None = None) -> str:
    """Return `raw` as E.164 (+CC...). National formats are read in `default_region` (ISO 3166 alpha-2).

    Raises PhoneNumberError (a ValueError) for unreadable or invalid numbers, premium-rate or shared-cost numbers,
    and, when `allowed_regions` is given, numbers outside those countries.
    """
    number = _parse(raw, default_region)
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError(f"{raw!r} is not a valid phone number", "invalid")
    _check_type(number, raw)
    _check_region(number, raw, allowed_regions)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
