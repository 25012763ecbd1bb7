"""Guess the carrier of a tracking number from its format and check digit, most likely carrier first."""

from __future__ import annotations

import re
from collections.abc import Callable

from carriers.registry import CARRIER_CODES

Candidate = tuple[str, int]
Rule = Callable[[str], list[Candidate]]

# Aggregators track anything, so they are never a format match; the sandbox only claims its own prefix.
NOT_DETECTED = frozenset({"sandbox", "easypost", "shippo", "aftership", "track17"})
DETECTABLE = tuple(code for code in CARRIER_CODES if code not in NOT_DETECTED)

SANDBOX = re.compile(r"SB[A-Z]{2}\d+")
UPS = re.compile(r"1Z[0-9A-Z]{16}")
S10 = re.compile(r"([A-Z]{2})(\d{8})(\d)([A-Z]{2})")
USPS_ZIP_PREFIX = re.compile(r"420(?:\d{5}|\d{9})(9[1-5]\d{20})")
DHL_JJD = re.compile(r"JJD\d{10,20}")
DHL_GM = re.compile(r"GM\d{16,18}")
AUSPOST_CONSIGNMENT = re.compile(r"(?=[0-9]*[A-Z])[A-Z0-9]{3}\d{7}")
AUSPOST_ARTICLE = re.compile(r"(?=[0-9]*[A-Z])[A-Z0-9]{3}\d{18}(?:\d{2})?")
COLISSIMO = re.compile(r"\d[A-Z]{1,2}\d{8,12}")

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_COUNTRIES = {"GB": "royalmail", "FR": "laposte", "CA": "canadapost", "AU": "auspost", "US": "usps", "DE": "dhl"}
MAX_LENGTH = 40


def normalise(number: str) -> str:
    """Uppercase, without the spaces, dashes and other separators people paste along with the number."""
    return "".join(ch for ch in number.upper() if ch.isascii() and ch.isalnum())


def detect(number: str) -> list[str]:
    """Carrier codes that could own `number`, most likely first; [] when no format fits."""
    text = normalise(number)
    if not text or len(text) > MAX_LENGTH:
        return []
    if SANDBOX.fullmatch(text):
        return ["sandbox"]
    scores: dict[str, int] = {}
    for rule in RULES:
        for code, score in rule(text):
            scores[code] = max(score, scores.get(code, 0))
    # sorted() is stable, so equal scores keep the order of RULES.
    return [code for code in sorted(scores, key=lambda c: -scores[c]) if code in DETECTABLE]


def mod10_31(digits: str) -> bool:
    """USPS / GS1 / FedEx Ground check: weights 3,1,3,… from the rightmost data digit, mod 10."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def ups_ok(number: str) -> bool:
    """UPS 1Z check: letters fold to digits, odd positions of the 15-char body doubled, mod 10."""
    body, check = number[2:17], number[17]
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(v * 2 if i % 2 == 1 else v for i, v in enumerate(values))
    return check.isdigit() and (10 - total % 10) % 10 == int(check)


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of the 8-digit serial: weights 8,6,4,2,3,5,9,7, mod 11 (10 → 0, 11 → 5)."""
    check = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def fedex_express_ok(digits: str) -> bool:
    """FedEx Express 12-digit check: weights 1,3,7 repeating from the right, mod 11, mod 10."""
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(digits[:-1])))
    return total % 11 % 10 == int(digits[-1])


def dhl_paket_ok(digits: str) -> bool:
    """DHL Paket 12-digit check: weights 4,9 alternating from the left, mod 10."""
    total = sum(int(d) * (4 if i % 2 == 0 else 9) for i, d in enumerate(digits[:-1]))
    return (10 - total % 10) % 10 == int(digits[-1])


def dhl_express_ok(digits: str) -> bool:
    """DHL Express 10-digit waybill check: the first nine digits as a number, mod 7."""
    return int(digits[:9]) % 7 == int(digits[9])


def _ups(text: str) -> list[Candidate]:
    return [("ups", 100)] if UPS.fullmatch(text) and ups_ok(text) else []


def _s10(text: str) -> list[Candidate]:
    match = S10.fullmatch(text)
    if not match or s10_check_digit(match[2]) != int(match[3]):
        return []
    code = S10_COUNTRIES.get(match[4])
    return [(code, 95)] if code else []


def _usps(text: str) -> list[Candidate]:
    if not text.isdigit():
        return []
    zipped = USPS_ZIP_PREFIX.fullmatch(text)
    core = zipped[1] if zipped else text
    if len(core) == 22 and core[:2] in {"91", "92", "93", "94", "95"} and mod10_31(core):
        # FedEx SmartPost labels carry USPS 92… numbers, so FedEx stays a second guess.
        return [("usps", 90), ("fedex", 55)] if core.startswith("92") else [("usps", 90)]
    if len(core) == 20 and mod10_31(core):
        return [("usps", 70)]
    return []


def _fedex(text: str) -> list[Candidate]:
    if not text.isdigit():
        return []
    if len(text) == 12 and fedex_express_ok(text):
        return [("fedex", 80)]
    if len(text) == 15 and mod10_31(text):
        return [("fedex", 80)]
    if len(text) == 22 and text.startswith("96") and mod10_31(text[7:]):
        return [("fedex", 90)]
    if len(text) == 20 and mod10_31(text):
        # A 20-digit GS1 container code: FedEx Ground prints them with the 00 application identifier.
        return [("fedex", 75 if text.startswith("00") else 60)]
    return []


def _dhl(text: str) -> list[Candidate]:
    if DHL_JJD.fullmatch(text) or DHL_GM.fullmatch(text):
        return [("dhl", 90)]
    if not text.isdigit():
        return []
    if len(text) == 10 and dhl_express_ok(text):
        return [("dhl", 80)]
    if len(text) == 12 and dhl_paket_ok(text):
        return [("dhl", 80)]
    if len(text) == 20 and text.startswith("00340") and mod10_31(text):
        return [("dhl", 85)]
    return []


def _canadapost(text: str) -> list[Candidate]:
    # No published check-digit rule for the 16-digit PIN: the GS1 rule only ranks, it never rejects.
    if text.isdigit() and len(text) == 16:
        return [("canadapost", 70 if mod10_31(text) else 40)]
    return []


def _auspost(text: str) -> list[Candidate]:
    if AUSPOST_CONSIGNMENT.fullmatch(text) or AUSPOST_ARTICLE.fullmatch(text):
        return [("auspost", 45)]
    return []


def _laposte(text: str) -> list[Candidate]:
    if COLISSIMO.fullmatch(text) and 11 <= len(text) <= 15:
        return [("laposte", 50)]
    return []


RULES: tuple[Rule, ...] = (_ups, _s10, _usps, _fedex, _dhl, _canadapost, _auspost, _laposte)
