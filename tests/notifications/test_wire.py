"""The assembled wire bytes are exactly what EmailMessage + BytesGenerator write for the same message (all six
languages' scripts, long and short lines, every transfer encoding, odd header values), and the Message-ID the
channel records is the one the header holds."""

from __future__ import annotations

import random

import pytest

from notifications.base import EmailMessageSpec
from notifications.channels.email import WIRE, build_message, message_id_header, new_boundary, valid_address, wire_bytes

WORDS = [
    "Votre",
    "commande",
    "été",
    "Größe",
    "¿Dónde?",
    "注文",
    "配達済み",
    "Заказ",
    "доставлен",
    "·",
    "#A-1",
    "x" * 90,
]
ASCII_WORDS = ["order", "a&b", "<p>", "=?utf-8?q?x?=", "(c)", "x;y", '"q"', "\\", "==", "=", " ", "\t", "From"]


def reference(spec: EmailMessageSpec, boundary: str) -> bytes:
    return wire_bytes(build_message(spec, boundary))


def text(rng: random.Random, words: list[str], lines: int) -> str:
    out = []
    for _ in range(lines):
        count = rng.randint(0, 40)
        line = " ".join(rng.choice(words) for _ in range(count))
        out.append(line + rng.choice(["", " ", "\t", "=", "  "]))
    return rng.choice(["\n", "\r\n", "\r"]).join(out) + rng.choice(["", "\n", "\n\n"])


def spec_for(rng: random.Random) -> EmailMessageSpec:
    pool = rng.choice([WORDS, ASCII_WORDS, [*WORDS, *ASCII_WORDS]])
    subject_words = rng.choice([["Your", "order", "#1"], pool])
    return EmailMessageSpec(
        to=rng.choice(["s1@example.com", "first.last+tag@mail.example.org", "o'brien@example.com", "x@y"]),
        subject=" ".join(rng.choice(subject_words) for _ in range(rng.randint(1, 14))),
        text=text(rng, pool, rng.randint(0, 25)),
        html=text(rng, [*pool, '<a href="https://x.test/?a=1&b=2">'], rng.randint(1, 40)),
        sender="updates@ordertrail.test",
        sender_name=rng.choice(["", "Bench Shop", "Boutique Été", 'A "quoted", shop', "注文ショップ"]),
        reply_to=rng.choice(["", "help@shop.test", "Help <help@shop.test>"]),
        message_id=rng.choice(["", "<n12.0123456789abcdef@track.test>", "<n1.ab@127.0.0.1>", "<odd id@x>"]),
        headers={
            "List-Unsubscribe": rng.choice(
                ["<https://t.test/u/1/email/" + "a" * 32 + "?r=12>", "<https://t.test/u>", "<mailto:u@x.test>"]
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@pytest.mark.parametrize("seed", range(12))
def test_assembled_bytes_equal_the_email_packages(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        spec = spec_for(rng)
        boundary = new_boundary()
        assert WIRE.message(spec, boundary) == reference(spec, boundary), spec


def test_each_transfer_encoding_is_chosen_like_the_email_package() -> None:
    bodies = {
        "7bit": "short ascii\nlines\n",
        "8bit": "court été\nligne\n",
        "quoted-printable": ("mostly ascii " * 12 + "é\n") * 12,
        "base64": ("注文配達済み" * 20 + "\n") * 12,
    }
    for cte, body in bodies.items():
        spec = EmailMessageSpec(to="a@example.com", subject="s", text=body, html=body, sender="b@example.com")
        boundary = new_boundary()
        sent = WIRE.message(spec, boundary)
        assert sent == reference(spec, boundary)
        assert f"Content-Transfer-Encoding: {cte}\r\n".encode() in sent


def test_header_values_lose_cr_lf_and_nul_and_match_the_package() -> None:
    spec = EmailMessageSpec(
        to="a@example.com\r\nBcc: victim@example.com",
        subject="Hi\r\nBcc: victim@example.com\x00",
        text="t",
        html="<p>t</p>",
        sender="b@example.com",
        sender_name="Shop\nX-Evil: 1",
        headers={"List-Unsubscribe": "<https://x.test/u>\r\nX-Evil: 1"},
    )
    boundary = new_boundary()
    sent = WIRE.message(spec, boundary)
    assert sent == reference(spec, boundary)
    assert b"\r\nBcc:" not in sent and b"\r\nX-Evil:" not in sent


def test_recorded_message_id_is_the_headers() -> None:
    for value in ["<n12.0123456789abcdef@track.test>", " <n1.ab@127.0.0.1> ", "<odd id@x>", "", "plain@x"]:
        spec = EmailMessageSpec(to="a@x.test", subject="s", text="t", html="h", sender="b@x.test", message_id=value)
        expected = str(build_message(spec)["Message-ID"] or "")
        assert message_id_header(spec) == expected


def test_simple_addresses_are_valid_and_odd_ones_still_parsed() -> None:
    assert valid_address("first.last+tag@mail.example.org")
    assert valid_address("o'brien@example.com")
    assert not valid_address("no-at-sign")


@pytest.mark.parametrize("name", ["Subject", "List-Unsubscribe", "To", "Message-ID"])
def test_short_and_one_word_values_around_the_line_limit(name: str) -> None:
    for length in range(40, 100):
        for word in ("x" * length, "<https://t.test/u?" + "r" * (length - 20) + ">", "a=b;c" * (length // 5)):
            value = word if name != "To" else word[: length - 12] + "@example.com"
            if name == "Message-ID":
                value = "<" + "n" * (length - 12) + "@track.test>"
            extra = {name: value} if name == "List-Unsubscribe" else {}
            spec = EmailMessageSpec(
                to=value if name == "To" else "a@x.test",
                subject=value if name == "Subject" else "s",
                text="t",
                html="h",
                sender="b@x.test",
                message_id=value if name == "Message-ID" else "",
                headers=extra,
            )
            boundary = new_boundary()
            assert WIRE.message(spec, boundary) == reference(spec, boundary), (name, value)


@pytest.mark.parametrize("seed", range(4))
def test_subjects_differing_in_their_numbers_fold_like_the_package(seed: int) -> None:
    # Folded once per shape (digits as letters) and the digits put back: every length around the line limit,
    # numbers inside and beside encoded words, and values already holding the stand-in letters.
    rng = random.Random(seed)
    words = ["Your", "order", "·", "été", "注文", "Заказ", "Bench Shop", "X", "xz", "ZZ", "#", "-", "=", "?"]
    for length in range(1, 40):
        number = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12)))
        head = " ".join(rng.choice(words) for _ in range(length))
        for subject in (f"{head} #{number}", f"{number}{head}", f"{head}{number} {head}", f"{head} {number}é"):
            spec = EmailMessageSpec(to="a@x.test", subject=subject, text="t", html="h", sender="b@x.test")
            boundary = new_boundary()
            assert WIRE.message(spec, boundary) == reference(spec, boundary), subject
