"""SMS text rules: GSM-7 detection, segment counts (including boundary packing) and one-segment fitting."""

from __future__ import annotations

import pytest

from notifications.sms_text import fit, is_gsm7, length_units, segments

URL = "https://track.example.com/t/Ab12Cd34"
LONG_PROSE = (
    "Good news from Acme Outdoor Supplies: your order 1042 with the tent, two sleeping bags and the camping stove "
    "is out for delivery today and should reach you between 2pm and 6pm."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Your parcel is on its way", True),
        ("Café Ñoño, Øresund, Δ Ω ¿¡ §", True),
        ("Braces {like} these, €5 and [x]~|^\\", True),
        ("Zamówienie wysłane", False),
        ("Smart “quotes”", False),
        ("Three dots…", False),
        ("Package 📦", False),
        ("Über straße ê", False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # accented letters of the basic table cost one septet
        ("€" * 80, 1),  # extension chars cost two septets: 160
        ("€" * 81, 2),
        ("{" * 81, 2),
        ("a" * 159 + "€", 2),  # 161 septets
        # 306 septets would be 2 segments, but the escape pair cannot straddle the boundary at 153.
        ("a" * 152 + "€" + "a" * 152, 3),
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("a" * 69 + "ł", 1),  # one non-GSM char turns the whole text into UCS-2
        ("a" * 70 + "ł", 2),
        ("😀" * 35, 1),  # each emoji is a surrogate pair: 70 code units
        ("😀" * 36, 2),
        ("ł" * 66 + "😀" + "ł" * 66, 3),  # a surrogate pair cannot straddle the boundary at 67
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_length_units_counts_extension_chars_double_and_emoji_as_pairs() -> None:
    assert length_units("a€{") == 5
    assert length_units("ł😀") == 3


def test_fit_keeps_a_short_text_unchanged() -> None:
    assert fit(f"Out for delivery today. {URL}") == f"Out for delivery today. {URL}"


def test_fit_trims_prose_and_keeps_the_trailing_url_whole() -> None:
    text = f"{LONG_PROSE} Track it: {URL}"
    fitted = fit(text)
    assert length_units(fitted) <= 160
    assert segments(fitted) == 1
    assert fitted.endswith(f"... {URL}")
    assert is_gsm7(fitted)  # the GSM-safe "..." is used, never "…"
    prose = fitted.removesuffix(f"... {URL}")
    assert text.startswith(prose)
    assert text[len(prose)] == " "  # cut at a word boundary


def test_fit_without_url_ends_with_ellipsis() -> None:
    fitted = fit(LONG_PROSE + " " + LONG_PROSE)
    assert fitted.endswith("...")
    assert 150 <= length_units(fitted) <= 160


def test_fit_counts_extension_chars_double() -> None:
    fitted = fit("Price: " + "€" * 100)
    assert length_units(fitted) <= 160
    assert len(fitted) < 90


def test_fit_ucs2_text_fits_one_ucs2_segment_with_unicode_ellipsis() -> None:
    text = f"Zamówienie 1042 zostało wysłane i dotrze do Ciebie jutro między 14 a 18. Śledź: {URL}"
    fitted = fit(text)
    assert fitted.endswith(f"… {URL}")
    assert length_units(fitted) <= 70
    assert segments(fitted) == 1


def test_fit_respects_a_custom_limit() -> None:
    fitted = fit(f"{LONG_PROSE} {URL}", limit_chars=100)
    assert length_units(fitted) <= 100
    assert fitted.endswith(URL)


def test_fit_refuses_when_the_url_alone_is_too_long() -> None:
    with pytest.raises(ValueError, match="link"):
        fit("See https://example.com/" + "x" * 200)
