"""bench/analytics.py at a small size: it generates the shop, loads it and times every chart (SQLite here)."""

from __future__ import annotations

import pytest

from app.analytics.charts import CHARTS
from bench import analytics as bench


def test_generated_shop_is_consistent() -> None:
    data = bench.Generated(500)
    assert len(data.orders) == len(data.shipments) == 500
    order_ids = {o[0] for o in data.orders}
    assert {s[2] for s in data.shipments} == order_ids
    assert {n[2] for n in data.notifications} <= order_ids
    assert all(o[7] is False for o in data.orders if o[0] in {n[2] for n in data.notifications})  # no holdout
    assert len({e[0] for e in data.events}) == len(data.events)
    for loader, rows in data.tables():
        assert all(len(row) + len(loader.fixed) == len(loader.columns) for row in rows), loader.table


def test_bench_runs_at_small_size(capsys: pytest.CaptureFixture[str], database) -> None:  # type: ignore[no-untyped-def]
    if database.kind == "postgres":
        pytest.skip("one small run is enough; the queries themselves are tested on both databases")
    bench.main(["--shipments", "300", "--databases", "sqlite", "--runs", "1"])
    out = capsys.readouterr().out
    assert "generated 300 shipments" in out
    table = out.split("\nsqlite\n", 1)[1]
    for name in CHARTS:
        assert f"\n{name} " in table
    assert table.count("x") >= len(CHARTS)  # a no-index ratio per chart
