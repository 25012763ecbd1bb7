"""Filters read from query parameters (with errors naming the field), and the CSV export of a chart's table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.analytics.charts import dashboard
from app.analytics.export import to_csv
from app.analytics.filters import FilterError, parse_filters
from tests.analytics.conftest import Shop

NOW = datetime(2025, 3, 20, 12, tzinfo=UTC)


def test_default_range_is_the_last_30_days() -> None:
    f = parse_filters({}, merchant_id=1, now=NOW)
    assert (f.start, f.end, f.carrier, f.stuck_days) == (date(2025, 2, 19), date(2025, 3, 20), None, 7)
    assert f.start_at == datetime(2025, 2, 19, tzinfo=UTC)
    assert f.end_before == datetime(2025, 3, 21, tzinfo=UTC)


def test_explicit_filters() -> None:
    f = parse_filters(
        {"start": "2025-03-01", "end": "2025-03-10", "carrier": "ups", "stuck_days": "3"},
        merchant_id=1,
        now=NOW,
        attribution_days=14,
    )
    assert (f.start, f.end, f.carrier, f.stuck_days, f.attribution_days) == (
        date(2025, 3, 1),
        date(2025, 3, 10),
        "ups",
        3,
        14,
    )
    assert f.query_string() == "start=2025-03-01&end=2025-03-10&stuck_days=3&carrier=ups"


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"start": "01/03/2025"}, "start", "must be a date written YYYY-MM-DD"),
        ({"end": "2025-02-30"}, "end", "must be a date written YYYY-MM-DD"),
        ({"start": "2025-03-11", "end": "2025-03-10"}, "start", "must not be after the end date"),
        ({"start": "2020-01-01", "end": "2025-03-10"}, "start", "the range may cover at most 731 days"),
        ({"carrier": "pigeon"}, "carrier", "is not a known carrier code"),
        ({"stuck_days": "0"}, "stuck_days", "must be a whole number of days from 1 to 365"),
        ({"stuck_days": "two"}, "stuck_days", "must be a whole number of days from 1 to 365"),
    ],
)
def test_bad_filters_name_the_field(params: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filters(params, merchant_id=1, now=NOW)
    assert (caught.value.field, caught.value.reason) == (field, reason)


async def test_csv_export_of_every_chart(engine, shop: Shop) -> None:
    tables = await dashboard(engine, shop.filters())
    for name, table in tables.items():
        lines = list(csv.reader(io.StringIO(to_csv(table))))
        assert lines[0] == [c.label for c in table.columns], name
        assert len(lines) == 1 + len(table.rows) + (1 if table.total else 0), name

    visits = list(csv.reader(io.StringIO(to_csv(tables["visits"]))))
    assert visits[1] == ["2025-03-01", "2", "3", "1.5", "2", "1", "0.5"]
    assert visits[-1] == ["All days", "6", "7", "1.1667", "4", "4", "0.6667"]

    funnel = list(csv.reader(io.StringIO(to_csv(tables["funnel"]))))
    assert funnel[0][:4] == ["Trigger", "Channel", "Queued", "Sent"]
    assert funnel[3] == ["shipped", "email", "0", "2", "1", "1", "1", "1", "1", "0.5", "0.5"]
    assert funnel[2][-2:] == ["", "0"]  # an SMS open rate is empty, not zero


async def test_csv_keeps_comments_from_running_as_formulas(engine, shop: Shop) -> None:
    tables = await dashboard(engine, shop.filters())
    lines = list(csv.reader(io.StringIO(to_csv(tables["comments"]))))
    assert lines[1][1:] == ["1003", "4", "'=1+2 came late"]
    assert lines[1][0].startswith("2025-03-06T10:00:00")


async def test_csv_translates_labels(engine, shop: Shop) -> None:
    tables = await dashboard(engine, shop.filters())
    french = {"Reason": "Motif", "All reasons": "Tous les motifs"}
    lines = list(csv.reader(io.StringIO(to_csv(tables["cancellations"], lambda s: french.get(s, s)))))
    assert lines[0][0] == "Motif"
    assert lines[-1][:3] == ["Tous les motifs", "3", "1"]
