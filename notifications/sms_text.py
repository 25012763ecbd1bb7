"""SMS text rules: GSM-7 versus UCS-2 encoding, segment counting, and trimming a text to fit one segment.

Counts follow 3GPP TS 23.038: GSM-7 extension characters cost two septets (escape + char), UCS-2 counts UTF-16
code units, and a multipart message loses room to its concatenation header (153 septets / 67 code units).
"""

from __future__ import annotations

import re

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67

_TRAILING_URL = re.compile(r"\s*(https?://\S+)\s*$")
# A word cut this close to the end is backed off to the previous space; further than this, cut mid-word.
_WORD_BACKOFF = 20


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_costs(text: str) -> list[int]:
    """Per-character cost in the encoding the whole text needs (septets, or UTF-16 code units)."""
    if is_gsm7(text):
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def length_units(text: str) -> int:
    """Length as the network counts it: septets for GSM-7 text, UTF-16 code units otherwise."""
    return sum(_unit_costs(text))


def _pack(costs: list[int], capacity: int) -> int:
    """Segments needed when no character (escape pair, surrogate pair) may straddle a segment boundary."""
    count, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            count, used = count + 1, 0
        used += cost
    return count


def segments(text: str) -> int:
    """Number of SMS segments `text` is billed as; 0 for an empty text."""
    if not text:
        return 0
    gsm = is_gsm7(text)
    costs = _unit_costs(text)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
    if sum(costs) <= single:
        return 1
    return _pack(costs, multi)


def _fits(text: str, limit_chars: int, ucs2_limit: int) -> bool:
    budget = limit_chars if is_gsm7(text) else ucs2_limit
    return length_units(text) <= budget


def _split_trailing_url(text: str) -> tuple[str, str]:
    match = _TRAILING_URL.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1)


def _candidate(prose: str, end: int, url: str) -> str:
    head = prose[:end].rstrip(" \t\n,;:-")
    tail = f" {url}" if url else ""
    # "…" is not GSM-7: using it would turn a GSM text into UCS-2 and cost more room than three dots.
    ellipsis = "..." if is_gsm7(head + tail) else "…"
    return f"{head}{ellipsis}{tail}"


def _word_boundary(prose: str, end: int) -> int:
    """Move a mid-word cut back to the previous space when that loses little text."""
    if end >= len(prose) or prose[end].isspace() or end == 0:
        return end
    space = prose.rfind(" ", 0, end)
    return space if space > 0 and end - space <= _WORD_BACKOFF else end


def fit(text: str, limit_chars: int = GSM7_SINGLE, *, ucs2_limit: int = UCS2_SINGLE) -> str:
    """Shorten `text` to one segment (by default): keep a trailing URL whole, trim the prose with an ellipsis.

    `limit_chars` is the budget in GSM-7 septets, `ucs2_limit` the budget when the result still needs UCS-2.
    Raises ValueError when the trailing URL alone cannot fit.
    """
    text = text.strip()
    if _fits(text, limit_chars, ucs2_limit):
        return text
    prose, url = _split_trailing_url(text)
    for end in range(len(prose), -1, -1):
        if _fits(_candidate(prose, end, url), limit_chars, ucs2_limit):
            tidy = _candidate(prose, _word_boundary(prose, end), url)
            return tidy if _fits(tidy, limit_chars, ucs2_limit) else _candidate(prose, end, url)
    raise ValueError(f"the link alone ({length_units(url)} units) does not fit in {limit_chars} characters")
