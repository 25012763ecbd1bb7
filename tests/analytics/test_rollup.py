"""Daily rollups: a refresh is idempotent, picks up rows recorded for closed days since the previous refresh, and
misses only what its documented window misses (a backfill then catches up). SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from app.analytics.charts import dashboard
from app.analytics.rollup import REFRESH_DAYS, backfill, refresh, runs
from app.analytics.table import ChartTable
from app.cli import main
from app.db import reading, writing
from app.models import (
    FunnelDayRollup,
    Order,
    OrderDayRollup,
    PageEvent,
    Product,
    RollupState,
    VisitorDayRollup,
    VisitorSpanRollup,
)
from app.models.analytics_rollup import (
    AttributionDayRollup,
    CancellationDayRollup,
    RecommendationDayRollup,
)
from app.scheduler import build_scheduler
from app.settings import get_settings
from tests.analytics import builders as b
from tests.analytics.conftest import Shop

ROLLUPS = (
    OrderDayRollup,
    VisitorDayRollup,
    VisitorSpanRollup,
    FunnelDayRollup,
    RecommendationDayRollup,
    CancellationDayRollup,
    AttributionDayRollup,
    RollupState,
)
NOON_20TH = b.at("03-20", "12:00")
MINUTES = timedelta(minutes=1)


def later_than_the_fixture() -> datetime:
    """A refresh time whose lookback starts after the fixture's rows were recorded (they carry the real clock)."""
    return datetime.now(UTC) + timedelta(days=2)


async def snapshot(engine) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    async with reading(engine) as conn:
        return {
            model.__tablename__: sorted(tuple(row) for row in await conn.execute(select(model.__table__)))
            for model in ROLLUPS
        }


async def order_id(engine, shop: Shop, number: str) -> int:  # type: ignore[no-untyped-def]
    query = select(Order.__table__.c.id).where(
        Order.__table__.c.merchant_id == shop.merchant_id, Order.__table__.c.number == number
    )
    async with reading(engine) as conn:
        return int((await conn.execute(query)).scalar_one())


def day_row(visits: ChartTable, day: str) -> tuple[object, ...]:
    row = next(r for r in visits.rows if r["day"] == day)
    return row["orders"], row["views"], row["visitors"], row["visited_orders"]


def test_days_grouped_into_runs() -> None:
    days = [date(2025, 3, d) for d in (5, 1, 2, 3, 9, 10, 2)]
    assert list(runs(days)) == [
        (date(2025, 3, 1), date(2025, 3, 3)),
        (date(2025, 3, 5), date(2025, 3, 5)),
        (date(2025, 3, 9), date(2025, 3, 10)),
    ]
    assert list(runs([])) == []


async def test_first_refresh_rolls_up_every_closed_day_and_a_second_changes_nothing(engine, shop: Shop) -> None:
    counted = await refresh(engine, NOON_20TH)
    assert counted == 20 + 16  # every day before today: 28 Feb–19 March, and the other shop's 4–19 March
    first = await snapshot(engine)
    assert first["analytics_rollup_state"] and all(
        row[1] == date(2025, 3, 20) for row in first["analytics_rollup_state"]
    )
    mine = [row for row in first["analytics_order_day"] if row[0] == shop.merchant_id]
    assert {(row[1], row[2].isoformat(), row[3], row[4]) for row in mine} >= {
        ("", "2025-03-01", False, 2),
        ("sandbox", "2025-03-01", False, 2),
        ("ups", "2025-03-03", True, 1),
    }
    await refresh(engine, NOON_20TH)
    again = await snapshot(engine)
    assert {k: v for k, v in again.items() if k != "analytics_rollup_state"} == {
        k: v for k, v in first.items() if k != "analytics_rollup_state"
    }
    await backfill(engine, NOON_20TH)
    assert (await snapshot(engine)) == again


async def test_a_late_view_of_a_closed_day_is_picked_up_by_the_next_refresh(engine, shop: Shop) -> None:
    refreshed = later_than_the_fixture()
    await refresh(engine, refreshed)
    f = shop.filters()
    assert day_row((await dashboard(engine, f))["visits"], "2025-03-02") == (1, 1, 1, 1)
    order_1003 = await order_id(engine, shop, "1003")
    async with writing(engine) as conn:
        for visitor in ("v3", "v8"):  # recorded after the refresh, long after 2 March
            await b.insert(
                conn, PageEvent, merchant_id=shop.merchant_id, order_id=order_1003, kind="view", visitor=visitor,
                created_at=refreshed + MINUTES,
            )  # fmt: skip
    # Until the next refresh, 2 March is read from the rollup as it was counted.
    assert day_row((await dashboard(engine, f))["visits"], "2025-03-02") == (1, 1, 1, 1)
    recounted = await refresh(engine, refreshed + 5 * MINUTES)
    assert recounted == 2 * REFRESH_DAYS + 1  # both shops' last closed days, and 2 March
    visits = (await dashboard(engine, f))["visits"]
    assert day_row(visits, "2025-03-02") == (1, 3, 2, 1)
    assert visits.total is not None and (visits.total["views"], visits.total["visitors"]) == (9, 5)


async def test_a_late_feedback_answer_of_a_closed_day_is_picked_up_by_the_next_refresh(engine, shop: Shop) -> None:
    refreshed = later_than_the_fixture()
    await refresh(engine, refreshed)
    f = shop.filters()

    async def feedback() -> dict[str, object]:
        rows = (await dashboard(engine, f))["impact"].rows
        return next(r for r in rows if r["metric"] == "Mean feedback score")

    before = await feedback()
    order_1004 = await order_id(engine, shop, "1004")
    async with writing(engine) as conn:
        await b.survey(conn, shop.merchant_id, order_1004, "feedback", rating=1, created_at=refreshed + MINUTES)
    assert await feedback() == before  # 4 March is read from the rollup as it was counted
    await refresh(engine, refreshed + 5 * MINUTES)
    rolled = await feedback()
    async with writing(engine) as conn:
        await conn.execute(delete(RollupState.__table__))
    raw = await feedback()
    assert rolled == raw
    answers = int(before["messaged_n"]) + int(before["holdout_n"])  # type: ignore[call-overload]
    assert int(rolled["messaged_n"]) + int(rolled["holdout_n"]) == answers + 1  # type: ignore[call-overload]


async def test_a_new_order_after_a_closed_days_click_is_attributed_by_the_next_refresh(engine, shop: Shop) -> None:
    """A@ orders again a day after the mug's click (5 March, on 1004's page): only the attribution rollup of 3 March
    is recounted for it (the days counted in full are the usual ones), and the chart then matches the raw rows."""
    refreshed = later_than_the_fixture()
    await refresh(engine, refreshed)
    f = shop.filters()

    async def attributed() -> tuple[dict[object, object], object]:
        table = (await dashboard(engine, f))["recommendations"]
        assert table.total is not None
        return {r["product"]: r["attributed_orders"] for r in table.rows}, table.total["attributed_orders"]

    before = await attributed()
    assert before == ({"Linen throw": 2, "Ceramic mug": 1}, 2)
    async with writing(engine) as conn:
        await b.order(
            conn, shop.merchant_id, "1010", b.at("03-06", "12:00"), customer_email="a@x.test",
            created_at=refreshed + MINUTES, updated_at=refreshed + MINUTES,
        )  # fmt: skip
    assert await attributed() == before  # 3 March is read from the rollup as it was counted
    recounted = await refresh(engine, refreshed + 5 * MINUTES)
    assert recounted == 2 * REFRESH_DAYS + 1  # both shops' last closed days, and 6 March (1010's own day)
    rolled = await attributed()
    assert rolled == ({"Linen throw": 3, "Ceramic mug": 2}, 3)
    async with writing(engine) as conn:
        await conn.execute(delete(RollupState.__table__))
    assert await attributed() == rolled


async def test_a_row_back_dated_beyond_the_lookback_waits_for_the_backfill(engine, shop: Shop) -> None:
    refreshed = later_than_the_fixture()
    await refresh(engine, refreshed)
    order_1003 = await order_id(engine, shop, "1003")
    async with writing(engine) as conn:
        await b.insert(
            conn, PageEvent, merchant_id=shop.merchant_id, order_id=order_1003, kind="view", visitor="v8",
            created_at=b.at("03-02", "12:00"),
        )  # fmt: skip
    assert await refresh(engine, refreshed + 5 * MINUTES) == 2 * REFRESH_DAYS  # both shops' last closed days
    f = shop.filters()
    assert day_row((await dashboard(engine, f))["visits"], "2025-03-02") == (1, 1, 1, 1)
    await backfill(engine, refreshed + 10 * MINUTES)
    assert day_row((await dashboard(engine, f))["visits"], "2025-03-02") == (1, 2, 2, 1)


async def test_today_is_read_from_the_raw_rows(engine, shop: Shop) -> None:
    """Refreshed on 10 March: 1–9 March from the rollups, 10 March (today) from the raw rows, which show a view
    recorded after the refresh at once."""
    await refresh(engine, b.at("03-10", "23:45"))
    order_1005 = await order_id(engine, shop, "1005")
    async with writing(engine) as conn:
        await b.views(conn, shop.merchant_id, order_1005, "v1")  # v1 also visited on 1 and 3 March
    visits = (await dashboard(engine, shop.filters()))["visits"]
    assert day_row(visits, "2025-03-10") == (1, 1, 1, 1)
    assert day_row(visits, "2025-03-01") == (2, 3, 2, 1)
    assert visits.total is not None and (visits.total["views"], visits.total["visitors"]) == (8, 4)
    impact = {r["metric"]: r for r in (await dashboard(engine, shop.filters()))["impact"].rows}
    assert impact["Page views per order"]["holdout_value"] == 1.5  # 1004: 2 views, 1005: 1


async def test_the_scheduler_refreshes_the_rollups(runtime, shop: Shop) -> None:  # type: ignore[no-untyped-def]
    job = build_scheduler(runtime).get_job("rollups")
    assert job is not None
    await job.func()
    async with reading(runtime.engine) as conn:
        states = list(await conn.execute(select(RollupState.__table__)))
    assert {state.merchant_id for state in states} == {shop.merchant_id, shop.other_id}


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the command reads only the database URL
async def test_backfill_command(engine, database, shop: Shop, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ORDERTRAIL_DATABASE_URL", database.url)
    get_settings.cache_clear()
    try:
        await asyncio.to_thread(main, ["analytics-backfill"])
    finally:
        get_settings.cache_clear()
    assert "analytics rollups recounted:" in capsys.readouterr().out
    rolled = await snapshot(engine)
    assert rolled["analytics_order_day"] and rolled["analytics_visitor_day"] and rolled["analytics_funnel_day"]


async def test_rollups_equal_the_raw_rows_for_any_range_and_carrier(engine, shop: Shop) -> None:
    """After late views that link visitors across days (v4, seen on 6 March, now also on 2 March) and a late
    recommendation click, every range read through the rollups gives the raw rows' figures."""
    refreshed = later_than_the_fixture()
    await refresh(engine, refreshed)
    order_1003 = await order_id(engine, shop, "1003")
    async with writing(engine) as conn:
        product = (
            (
                await conn.execute(
                    select(Product.__table__.c.id).where(Product.__table__.c.merchant_id == shop.merchant_id)
                )
            )
            .scalars()
            .first()
        )
        await b.rec_events(conn, shop.merchant_id, order_1003, product, "rec_click", created_at=refreshed + MINUTES)
        await b.order(
            conn, shop.merchant_id, "1011", b.at("03-04", "12:00"), customer_email="a@x.test",
            created_at=refreshed + MINUTES, updated_at=refreshed + MINUTES,
        )  # fmt: skip
        await b.survey(
            conn, shop.merchant_id, order_1003, "cancel_reason", value="too_slow", saved=True,
            created_at=refreshed + MINUTES, updated_at=refreshed + MINUTES,
        )  # fmt: skip
        for visitor in ("v4", "v9"):
            await b.insert(
                conn, PageEvent, merchant_id=shop.merchant_id, order_id=order_1003, kind="view", visitor=visitor,
                created_at=refreshed + MINUTES,
            )  # fmt: skip
    await refresh(engine, refreshed + 5 * MINUTES)
    ranges = [
        ("03-01", "03-10"),
        ("03-03", "03-10"),
        ("03-02", "03-06"),
        ("03-06", "03-06"),
        ("02-28", "03-20"),
        ("03-01", "03-31"),  # a whole month: transit from the month rollup
        ("02-01", "04-30"),  # three whole months
        ("02-15", "04-10"),  # one whole month and days on either side
    ]
    filters = [
        shop.filters(start=b.on(start), end=b.on(end), carrier=carrier)
        for start, end in ranges
        for carrier in (None, "ups", "sandbox")
    ]
    charts = (
        "visits",
        "funnel",
        "impact",
        "on_time",
        "transit",
        "problems",
        "recommendations",
        "feedback",
        "comments",
        "cancellations",
    )
    rolled = [{name: (await dashboard(engine, f))[name] for name in charts} for f in filters]
    async with writing(engine) as conn:
        await conn.execute(delete(RollupState.__table__))
    raw = [{name: (await dashboard(engine, f))[name] for name in charts} for f in filters]
    for got, expected, f in zip(rolled, raw, filters, strict=True):
        for name in charts:
            assert (f.start, f.end, f.carrier, name, got[name]) == (f.start, f.end, f.carrier, name, expected[name])
    mid = rolled[filters.index(shop.filters(start=b.on("03-03"), end=b.on("03-10")))]["visits"].total
    assert mid is not None and mid["visitors"] == 2  # v1 (3 March) and v4 (6 March; its previous day is before)


async def test_two_refreshes_at_once_take_turns(engine, shop: Shop) -> None:
    """Two workers' scheduler ticks at the same moment: both finish, and the rollups are as after one."""
    refreshed = later_than_the_fixture()
    await asyncio.gather(refresh(engine, refreshed), refresh(engine, refreshed))
    together = await snapshot(engine)
    await backfill(engine, refreshed)
    assert (await snapshot(engine)) == together
