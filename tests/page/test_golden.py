"""Golden HTML of the tracking page per state (and the lookup form), with nonces, tokens, numbers and times
normalised. Re-record with ORDERTRAIL_RECORD_GOLDEN=1 after an intended change, and review the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.page.conftest import STATES, Shop, at_state

GOLDEN = Path(__file__).parent / "golden"
RECORD = os.environ.get("ORDERTRAIL_RECORD_GOLDEN") == "1"

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?\u202f?\s?[AP]M"
NORMALISE = [
    (re.compile(r'nonce="[^"]+"'), 'nonce="NONCE"'),
    (re.compile(r"/t/[A-Za-z0-9_-]{32}"), "/t/TOKEN"),
    (re.compile(r"SB[A-Z]{2}\d{11}"), "SBNUMBER"),
    (re.compile(r'data-version="[^"]*"'), 'data-version="VERSION"'),
    (re.compile(r'datetime="[^"]*"'), 'datetime="TIME"'),
    (re.compile(rf"(?:{DAY}, )?{MONTH} \d{{1,2}}, \d{{4}}(?:, {CLOCK})?"), "DATE"),
    (re.compile(rf"\d{{1,2}}/\d{{1,2}}/\d{{2}}, {CLOCK}"), "DATE"),
]


def normalise(html: str) -> str:
    for pattern, replacement in NORMALISE:
        html = pattern.sub(replacement, html)
    return html


def check(name: str, html: str) -> None:
    path = GOLDEN / f"{name}.html"
    text = normalise(html)
    if RECORD or not path.exists():
        if not RECORD:
            pytest.fail(f"no golden file {path.name}; record it with ORDERTRAIL_RECORD_GOLDEN=1")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from {path}"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_golden_pages(database, runtime, clock, shop: Shop, client) -> None:
    for serial, state in enumerate(sorted(STATES)):
        made = await at_state(runtime, clock, shop, state, order=f"G{serial}", serial=serial)
        page = await client.get(f"/t/{made.token}")
        assert page.status_code == 200
        check(state, page.text)
    check("lookup", (await client.get("/lumiere/track")).text)
    check("lookup_error", (await client.post("/lumiere/track", data={"number": "1", "contact": "x@y.z"})).text)
    check("unknown_token", (await client.get("/t/" + "x" * 32)).text)
