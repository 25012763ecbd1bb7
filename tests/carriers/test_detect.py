"""Tracking-number detection: check digits computed here from each published rule, real sample numbers, garbage."""

from __future__ import annotations

import pytest

from carriers.detect import DETECTABLE, detect, normalise
from carriers.registry import CARRIER_CODES
from tests.carriers.samples import sample

# Independent re-statements of the published check-digit rules, used to build valid numbers.


def gs1_check(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ups_check(body15: str) -> str:
    values = [int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10 for c in body15]
    total = sum(values[0::2]) + 2 * sum(values[1::2])
    return str((10 - total % 10) % 10)


def s10_check(serial8: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(serial8, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return str({0: 5, 1: 0}.get(remainder, 11 - remainder))


def fedex_express_check(body11: str) -> str:
    total = sum(int(d) * (1, 3, 7)[i % 3] for i, d in enumerate(reversed(body11)))
    return str(total % 11 % 10)


def dhl_paket_check(body11: str) -> str:
    total = sum(int(d) * (4, 9)[i % 2] for i, d in enumerate(body11))
    return str((10 - total % 10) % 10)


def wrong(number: str) -> str:
    """The same number with its last digit changed, so any check digit fails."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def s10(prefix: str, serial: str, country: str) -> str:
    return f"{prefix}{serial}{s10_check(serial)}{country}"


def s10_wrong(prefix: str, serial: str, country: str) -> str:
    return f"{prefix}{serial}{(int(s10_check(serial)) + 1) % 10}{country}"


UPS_BODY = "999AA1012345678"
VALID = {
    "ups": "1Z" + UPS_BODY + ups_check(UPS_BODY),
    "usps_impb": "9400111899" + "22334455667" + gs1_check("940011189922334455667"),
    "usps_20": "0307179000" + "052348374" + gs1_check("0307179000052348374"),
    "fedex_express": "79953127448" + fedex_express_check("79953127448"),
    "fedex_ground": "04144176022896" + gs1_check("04144176022896"),
    "fedex_96": "9611020" + "98765432101234" + gs1_check("98765432101234"),
    "dhl_express": "123456780" + str(123456780 % 7),
    "dhl_paket": "34043418819" + dhl_paket_check("34043418819"),
    "dhl_sscc": "0034043416109404255" + gs1_check("0034043416109404255"),
    "canadapost_pin": "700000000000123" + gs1_check("700000000000123"),
}


@pytest.mark.parametrize(
    ("number", "first"),
    [
        (VALID["ups"], "ups"),
        (VALID["usps_impb"], "usps"),
        (VALID["usps_20"], "usps"),
        (VALID["fedex_express"], "fedex"),
        (VALID["fedex_ground"], "fedex"),
        (VALID["fedex_96"], "fedex"),
        (VALID["dhl_express"], "dhl"),
        (VALID["dhl_paket"], "dhl"),
        (VALID["dhl_sscc"], "dhl"),
        (VALID["canadapost_pin"], "canadapost"),
        (s10("RR", "12345678", "GB"), "royalmail"),
        (s10("CP", "98765432", "FR"), "laposte"),
        (s10("RN", "11223344", "CA"), "canadapost"),
        (s10("ET", "12345678", "AU"), "auspost"),
        (s10("LX", "12345678", "US"), "usps"),
        ("JJD0099999999000001", "dhl"),
        ("GM2951173225174494", "dhl"),
        ("6A12345678901", "laposte"),
        ("8R01234567890", "laposte"),
        ("2JD5012345", "auspost"),
        ("2JD501234501000931504", "auspost"),
    ],
)
def test_valid_numbers_rank_their_carrier_first(number: str, first: str) -> None:
    assert detect(number)[0] == first


@pytest.mark.parametrize(
    ("folder", "file", "number", "first"),
    [
        ("ups", "track_response_openapi_example.json", "1Z023E2X0214323462", "ups"),
        ("ups", "track_response_delivered_postman.json", "1Z1442YY7229014688", "ups"),
        ("17track", "webhook_tracking_updated_ups_delivered.json", "1Z2617V10397725789", "ups"),
        ("usps", "v3_tracking_detail_in_transit_with_expected_delivery_real.json", "9202290317456200135409", "usps"),
        ("usps", "v3_tracking_detail_delivered_mailbox_real.json", "9261290289104185136058", "usps"),
        ("shippo", "tracks_get_usps_delivered.json", "9205590164917337534322", "usps"),
        ("fedex", "track_response_delivered_ground_real.json", "738488882438", "fedex"),
        ("fedex", "track_response_doc_example_with_notfound.json", "128667043726", "fedex"),
        ("dhl", "track_shipments_parcel_de_delivered_real.json", "470800204932", "dhl"),
        ("laposte", "suivi_v2_idships_colissimo_delivered.json", "EW112720413FR", "laposte"),
        ("royalmail", "mailpieces_v2_events_doc_example.json", "FQ087430672GB", "royalmail"),
        ("canadapost", "tracking_details_delivered.xml", "1371134583769923", "canadapost"),
    ],
)
def test_real_numbers_from_recorded_samples(folder: str, file: str, number: str, first: str) -> None:
    assert number.encode() in sample(folder, file)
    assert detect(number)[0] == first


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        (wrong(VALID["ups"]), "ups"),
        (wrong(VALID["usps_impb"]), "usps"),
        (wrong(VALID["usps_20"]), "usps"),
        (wrong(VALID["fedex_express"]), "fedex"),
        (wrong(VALID["fedex_ground"]), "fedex"),
        (wrong(VALID["fedex_96"]), "fedex"),
        (wrong(VALID["dhl_express"]), "dhl"),
        (wrong(VALID["dhl_sscc"]), "dhl"),
        (s10_wrong("RR", "12345678", "GB"), "royalmail"),
        (s10_wrong("CP", "98765432", "FR"), "laposte"),
        (s10_wrong("RN", "11223344", "CA"), "canadapost"),
        (s10_wrong("ET", "12345678", "AU"), "auspost"),
        (s10_wrong("LX", "12345678", "US"), "usps"),
        ("1Z023E2X0214323463", "ups"),
        ("EW112720414FR", "laposte"),
    ],
)
def test_wrong_check_digit_is_rejected(number: str, carrier: str) -> None:
    assert carrier not in detect(number)


def test_dhl_paket_wrong_check_digit_is_rejected() -> None:
    number = "34043418819" + str((int(dhl_paket_check("34043418819")) + 1) % 10)
    assert "dhl" not in detect(number)


def test_canada_post_pin_with_failing_gs1_digit_ranks_lower_but_stays() -> None:
    good, bad = VALID["canadapost_pin"], wrong(VALID["canadapost_pin"])
    assert detect(good) == ["canadapost"]
    assert detect(bad) == ["canadapost"]


def test_twenty_digit_gs1_number_ranks_usps_then_fedex() -> None:
    assert detect(VALID["usps_20"]) == ["usps", "fedex"]


def test_usps_number_behind_a_zip_prefix() -> None:
    assert detect("420" + "90210" + VALID["usps_impb"])[0] == "usps"
    assert detect("420" + "902101234" + VALID["usps_impb"])[0] == "usps"


def test_smartpost_style_92_number_offers_fedex_second() -> None:
    number = "92" + "6129028910418513605" + "8"
    assert detect(number) == ["usps", "fedex"]


@pytest.mark.parametrize("number", ["SBAB12345", "sb-ab-0001", "SBXY9"])
def test_sandbox_numbers_belong_to_the_sandbox_only(number: str) -> None:
    assert detect(number) == ["sandbox"]


@pytest.mark.parametrize(
    "number",
    ["", "   ", "hello world", "12345", "1Z", "ABCDEFGHIJKLMNOP", "!!!---", "0" * 50, "RR123456785XX", "ÉÉÉ123"],
)
def test_garbage_gives_nothing(number: str) -> None:
    assert detect(number) == []


def test_normalise_strips_separators_and_uppercases() -> None:
    assert normalise(" 1z 023e-2x02 1432 3462 ") == "1Z023E2X0214323462"
    assert normalise("ew 112.720.413 fr") == "EW112720413FR"
    assert detect(" 1z 023e-2x02 1432 3462 ") == ["ups"]


def test_only_real_carriers_are_ever_suggested() -> None:
    assert set(DETECTABLE) == set(CARRIER_CODES) - {"sandbox", "easypost", "shippo", "aftership", "track17"}
    numbers = [*VALID.values(), "6A12345678901", "2JD5012345", "JJD0099999999000001"]
    for number in numbers:
        assert set(detect(number)) <= set(DETECTABLE)
