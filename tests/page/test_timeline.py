"""The timeline's rows: newest first with the latest marked, plain words translated with the carrier's own text
beneath, every carrier-supplied text escaped, and times in the shopper's language and zone."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from app.web.page_context import timeline


def scan(at: datetime, description: str, location: str, status: str = "in_transit", substatus: str = "") -> object:
    return SimpleNamespace(
        occurred_at=at, status=status, substatus=substatus, description=description, location=location
    )


def test_carrier_text_is_escaped_and_the_latest_marked() -> None:
    newest = datetime(2026, 11, 21, 9, 5, 7, tzinfo=UTC)
    rows = [
        scan(newest, '<img src=x onerror="alert(1)">', "Lyon & <b>Co</b>", substatus="arrived_at_facility"),
        scan(datetime(2026, 11, 20, 18, 0, tzinfo=UTC), "Handed <over>", "", status="unknown_status"),
    ]
    html = str(timeline(rows, "fr", ZoneInfo("Europe/Paris")))
    assert "<img" not in html and "<b>" not in html and "<over>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html and "Lyon &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert html.count("<li") == 2 and html.count('<li class="latest">') == 1
    assert html.index('class="latest"') < html.index("2026-11-20T18:00:00+00:00")
    assert 'datetime="2026-11-21T09:05:07+00:00">21 nov. 2026, 10:05:07</time>' in html  # Paris, in French
    # a status without plain words shows the carrier's text alone, with no carrier-text line under it
    last = html[html.rindex("<li") :]
    assert '<span class="what">Handed &lt;over&gt;</span>' in last and "carrier-text" not in last
    assert "where" not in last  # no location, no location line


def test_no_scans_no_rows() -> None:
    assert str(timeline([], "en", ZoneInfo("UTC"))) == ""
    assert not timeline([], "en", ZoneInfo("UTC"))  # the template's "not scanned yet" branch
