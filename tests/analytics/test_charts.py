"""Every chart's numbers against values worked out by hand from the fixture in conftest.py (SQLite and PostgreSQL).

The shop (range 1–10 March 2025, now = 20 March 12:00 UTC):
  1001 (1 Mar 10:00, a@) sandbox/ground, shipped 2 Mar 00:00, delivered 4 Mar 12:00 (60 h), promised 5 Mar, est. 4 Mar
  1002 (1 Mar 15:00, b@) sandbox/ground, shipped 2 Mar 00:00, delivered 5 Mar 00:00 (72 h), promised 3 Mar, est. 4 Mar
  1003 (2 Mar 09:00, c@) ups/express, shipped 3 Mar 00:00, delivered 4 Mar 23:00 (47 h), est. 4 Mar
  1004 (3 Mar 08:00, a@, holdout, cancelled) ups/ground in transit, last event 5 Mar (stuck: 15.5 days)
  1005 (10 Mar 23:30, d@, holdout) sandbox/ground in transit, last event 19 Mar
  1007 (6 Mar 10:00, a@) no shipment; 1000 (28 Feb) and 1008 (15 Mar) are outside the range

Each test runs three times: on the raw rows alone, with every day rolled up, and with the rollups refreshed on
5 March (1–4 March from the rollups, 5–10 March from the raw rows): the figures must not change.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.analytics.charts import dashboard
from app.analytics.problems import problems_per_carrier, stuck_shipments
from app.analytics.rollup import backfill, refresh
from app.analytics.table import ChartTable
from app.db import reading, writing
from app.models import Order
from tests.analytics import builders as b
from tests.analytics.builders import at
from tests.analytics.conftest import Shop

ROLLED_ON = {"raw rows": None, "rolled up": at("03-20", "12:00"), "partly rolled up": at("03-05", "12:00")}


@pytest.fixture(autouse=True, params=list(ROLLED_ON))
async def rollups(request: pytest.FixtureRequest, engine, shop: Shop) -> datetime | None:
    """The shop's rollups refreshed as of the parameter's time (none for the raw rows); returns that time."""
    if (now := ROLLED_ON[request.param]) is not None:
        await refresh(engine, now)
    return now


async def rolled_again(engine, now: datetime | None) -> None:  # type: ignore[no-untyped-def]
    """After a test added rows: the rollups counted afresh as of the parameter's time (none for the raw rows)."""
    if now is not None:
        await backfill(engine, now)


async def order_ids(engine, shop: Shop) -> dict[str, int]:  # type: ignore[no-untyped-def]
    table = Order.__table__
    query = select(table.c.number, table.c.id).where(table.c.merchant_id == shop.merchant_id)
    async with reading(engine) as conn:
        return {number: int(id_) for number, id_ in await conn.execute(query)}


def by(table: ChartTable, *keys: str) -> dict[tuple[object, ...], dict[str, object]]:
    return {tuple(row[k] for k in keys): row for row in table.rows}


def pick(row: dict[str, object], *keys: str) -> dict[str, object]:
    return {k: row[k] for k in keys}


async def charts(engine, shop: Shop, **overrides: object) -> dict[str, ChartTable]:
    return await dashboard(engine, shop.filters(**overrides))


async def test_page_visits_per_day_and_in_total(engine, shop: Shop) -> None:
    visits = (await charts(engine, shop))["visits"]
    keys = ("day", "orders", "views", "visitors", "visited_orders")
    assert [tuple(r[k] for k in keys) for r in visits.rows] == [
        ("2025-03-01", 2, 3, 2, 1),  # 1001: v1, v1, v2; 1002: a lookup only
        ("2025-03-02", 1, 1, 1, 1),
        ("2025-03-03", 1, 2, 1, 1),  # v1 and an empty visitor, which is not counted as one
        ("2025-03-06", 1, 1, 1, 1),
        ("2025-03-10", 1, 0, 0, 0),
    ]
    assert visits.rows[0]["views_per_order"] == pytest.approx(1.5)
    assert visits.rows[0]["visited_share"] == pytest.approx(0.5)
    assert visits.rows[-1]["visited_share"] == 0
    total = visits.total
    assert total is not None
    assert pick(total, "orders", "views", "visitors", "visited_orders") == {
        "orders": 6,
        "views": 7,
        "visitors": 4,  # v1, v2, v3, v4 across days
        "visited_orders": 4,
    }
    assert total["views_per_order"] == pytest.approx(7 / 6)
    assert total["visited_share"] == pytest.approx(4 / 6)


async def test_notification_funnel_per_trigger_and_channel(engine, shop: Shop) -> None:
    funnel = (await charts(engine, shop))["funnel"]
    keys = ("queued", "sent", "failed", "undelivered", "delivered", "opened", "clicked")
    got = {key: tuple(row[k] for k in keys) for key, row in by(funnel, "trigger", "channel").items()}
    assert got == {
        ("delivered", "email"): (1, 1, 0, 0, 1, 1, 0),
        ("delivered", "sms"): (0, 1, 0, 1, 0, 0, 0),
        ("shipped", "email"): (0, 2, 1, 1, 1, 1, 1),  # two opens of one message count once
        ("shipped", "sms"): (0, 1, 0, 0, 1, 0, 0),
    }
    rows = by(funnel, "trigger", "channel")
    assert rows[("shipped", "email")]["open_rate"] == pytest.approx(0.5)
    assert rows[("shipped", "email")]["click_rate"] == pytest.approx(0.5)
    assert rows[("shipped", "sms")]["open_rate"] is None  # SMS has no opens
    assert funnel.total is not None
    assert tuple(funnel.total[k] for k in keys) == (1, 5, 1, 2, 3, 2, 1)
    assert funnel.total["open_rate"] == pytest.approx(2 / 3)  # email only
    assert funnel.total["click_rate"] == pytest.approx(1 / 5)


async def test_unsubscribes_in_the_range(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["unsubscribes"]
    assert [(r["channel"], r["reason"], r["count"]) for r in table.rows] == [
        ("email", "unsubscribe", 2),
        ("sms", "stop", 1),
    ]
    assert table.total is not None and table.total["count"] == 3


async def test_on_time_against_promise_and_first_estimate(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["on_time"]
    keys = ("delivered", "with_promise", "on_time_promise", "with_estimate", "on_time_estimate")
    rows = by(table, "carrier")
    assert tuple(rows[("sandbox",)][k] for k in keys) == (2, 2, 1, 2, 1)
    assert tuple(rows[("ups",)][k] for k in keys) == (1, 0, 0, 1, 1)  # 23:00 UTC on the estimated day is on time
    assert rows[("sandbox",)]["promise_rate"] == pytest.approx(0.5)
    assert rows[("ups",)]["promise_rate"] is None
    assert rows[("ups",)]["estimate_rate"] == 1
    assert table.total is not None
    assert tuple(table.total[k] for k in keys) == (3, 2, 1, 3, 2)
    assert table.total["estimate_rate"] == pytest.approx(2 / 3)


async def test_transit_days_median_and_90th_percentile(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["transit"]
    rows = by(table, "carrier", "service")
    assert pick(rows[("sandbox", "ground")], "shipments", "median_days", "p90_days") == {
        "shipments": 2,
        "median_days": 2.75,  # 60 h and 72 h → 66 h
        "p90_days": 2.95,  # 60 + 0.9 × 12 = 70.8 h
    }
    assert pick(rows[("ups", "express")], "shipments", "median_days", "p90_days") == {
        "shipments": 1,
        "median_days": 1.96,  # 47 h
        "p90_days": 1.96,
    }
    assert table.total is not None
    assert (table.total["shipments"], table.total["median_days"], table.total["p90_days"]) == (3, 2.5, 2.9)


async def test_problems_per_carrier(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["problems"]
    keys = (
        "shipments",
        "exception_shipments",
        "exception_events",
        "failed_attempt_shipments",
        "failed_attempt_events",
        "stuck",
    )
    rows = by(table, "carrier")
    assert tuple(rows[("sandbox",)][k] for k in keys) == (3, 1, 1, 0, 0, 0)
    assert tuple(rows[("ups",)][k] for k in keys) == (2, 1, 2, 2, 3, 1)
    assert rows[("ups",)]["stuck_share"] == pytest.approx(0.5)
    assert table.total is not None
    assert tuple(table.total[k] for k in keys) == (5, 2, 3, 2, 3, 1)


async def test_stuck_shipments_list_and_threshold(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["stuck"]
    assert [(r["order_number"], r["carrier"], r["status"], r["days_quiet"]) for r in table.rows] == [
        ("1004", "ups", "in_transit", 15.5)
    ]
    async with reading(engine) as conn:
        assert (await stuck_shipments(conn, shop.filters(stuck_days=16))).rows == []
        wide = await problems_per_carrier(conn, shop.filters(stuck_days=1))
    # 1005's last event (19 Mar) is 1.5 days old: stuck at a 1-day threshold
    assert {r["carrier"]: r["stuck"] for r in wide.rows} == {"sandbox": 1, "ups": 1}


async def test_recommendations_and_orders_after_a_click(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["recommendations"]
    keys = ("product", "impressions", "clicks", "attributed_orders")
    # Linen throw clicked 2 Mar 10:00 by a@ → 1004 (3 Mar) and 1007 (6 Mar); 1008 (15 Mar) is past 7 days.
    # Ceramic mug clicked 5 Mar 12:00 by a@ → 1007. The other shop's a@ order never counts.
    assert [tuple(r[k] for k in keys) for r in table.rows] == [
        ("Linen throw", 4, 1, 2),
        ("Ceramic mug", 3, 1, 1),
    ]
    assert table.rows[0]["ctr"] == pytest.approx(0.25)
    assert table.rows[1]["ctr"] == pytest.approx(1 / 3)
    assert table.total is not None
    assert tuple(table.total[k] for k in keys[1:]) == (7, 2, 2)
    assert table.total["ctr"] == pytest.approx(2 / 7)


async def test_attribution_window_follows_the_setting(engine, shop: Shop) -> None:
    narrow = (await charts(engine, shop, attribution_days=2))["recommendations"]
    # throw: only 1004 (0.9 days after the click); mug: 1007 is 0.9 days after its click
    assert {r["product"]: r["attributed_orders"] for r in narrow.rows} == {"Linen throw": 1, "Ceramic mug": 1}
    assert narrow.total is not None and narrow.total["attributed_orders"] == 2
    wide = (await charts(engine, shop, attribution_days=14))["recommendations"]
    assert {r["product"]: r["attributed_orders"] for r in wide.rows} == {"Linen throw": 3, "Ceramic mug": 2}


async def test_feedback_scores_and_comments(engine, shop: Shop) -> None:
    result = await charts(engine, shop)
    scores = result["feedback"]
    assert [(r["rating"], r["responses"]) for r in scores.rows] == [("1", 0), ("2", 1), ("3", 0), ("4", 1), ("5", 1)]
    assert scores.rows[1]["share"] == pytest.approx(1 / 3)
    assert scores.total is not None
    assert scores.total["responses"] == 3
    assert scores.total["mean"] == pytest.approx(11 / 3)
    comments = result["comments"]
    assert [(r["order_number"], r["rating"], r["comment"]) for r in comments.rows] == [
        ("1003", 4, "=1+2 came late"),
        ("1001", 5, "Fast!"),
    ]


async def test_every_feedback_score_and_the_carrier_filter(engine, shop: Shop, rollups: datetime | None) -> None:
    ids = await order_ids(engine, shop)
    async with writing(engine) as conn:
        await b.survey(conn, shop.merchant_id, ids["1004"], "feedback", rating=1, created_at=at("03-05"))
        await b.survey(conn, shop.merchant_id, ids["1005"], "feedback", rating=3, created_at=at("03-12"))
        await b.survey(conn, shop.merchant_id, ids["1007"], "feedback", rating=3, created_at=at("03-08"))
        await b.survey(conn, shop.merchant_id, ids["1008"], "feedback", rating=1)  # after the range
    await rolled_again(engine, rollups)

    def counts(table: ChartTable) -> list[tuple[object, object]]:
        return [(r["rating"], r["responses"]) for r in table.rows]

    everyone = (await charts(engine, shop))["feedback"]  # 1001: 5, 1002: 2, 1003: 4, 1004: 1, 1005 and 1007: 3
    assert counts(everyone) == [("1", 1), ("2", 1), ("3", 2), ("4", 1), ("5", 1)]
    assert everyone.rows[2]["share"] == pytest.approx(2 / 6)
    assert everyone.total is not None
    assert (everyone.total["responses"], everyone.total["mean"]) == (6, pytest.approx(3.0))
    ups = (await charts(engine, shop, carrier="ups"))["feedback"]  # 1003: 4, 1004: 1
    assert counts(ups) == [("1", 1), ("2", 0), ("3", 0), ("4", 1), ("5", 0)]
    assert ups.total is not None and ups.total["mean"] == pytest.approx(2.5)
    sandbox = (await charts(engine, shop, carrier="sandbox"))["feedback"]  # 1001: 5, 1002: 2, 1005: 3
    assert counts(sandbox) == [("1", 0), ("2", 1), ("3", 1), ("4", 0), ("5", 1)]
    assert sandbox.total is not None and sandbox.total["mean"] == pytest.approx(10 / 3)
    late = (await charts(engine, shop, start=b.on("03-06"), end=b.on("03-10")))["feedback"]  # 1005 and 1007
    assert counts(late) == [("1", 0), ("2", 0), ("3", 2), ("4", 0), ("5", 0)]


async def test_cancellation_reasons_per_carrier_and_day(engine, shop: Shop, rollups: datetime | None) -> None:
    ids = await order_ids(engine, shop)
    async with writing(engine) as conn:
        await b.survey(conn, shop.merchant_id, ids["1007"], "cancel_reason", value="found_cheaper", saved=True)
    await rolled_again(engine, rollups)

    def reasons(table: ChartTable) -> list[tuple[object, ...]]:
        return [(r["reason"], r["answers"], r["saved"]) for r in table.rows]

    sandbox = (await charts(engine, shop, carrier="sandbox"))["cancellations"]  # 1002 and 1005
    assert reasons(sandbox) == [("too_slow", 2, 1)]
    assert (await charts(engine, shop, carrier="ups"))["cancellations"].rows[0]["reason"] == "changed_mind"
    everyone = (await charts(engine, shop))["cancellations"]  # 1007 has no shipment: only without a carrier
    assert reasons(everyone) == [("too_slow", 2, 1), ("changed_mind", 1, 0), ("found_cheaper", 1, 1)]
    assert everyone.total is not None and (everyone.total["answers"], everyone.total["saved"]) == (4, 2)
    early = (await charts(engine, shop, start=b.on("03-01"), end=b.on("03-03")))["cancellations"]  # 1002, 1004
    assert reasons(early) == [("changed_mind", 1, 0), ("too_slow", 1, 0)]
    assert (await charts(engine, shop, start=b.on("03-04"), end=b.on("03-05")))["cancellations"].total is None


async def test_attribution_windows_beyond_what_the_rollup_keeps(
    engine, shop: Shop, rollups: datetime | None
) -> None:  # fmt: skip
    async with writing(engine) as conn:  # a@ again, 120 days after the throw's click and 116.9 after the mug's
        await b.order(conn, shop.merchant_id, "1009", at("06-30", "10:00"), customer_email="a@x.test")
    await rolled_again(engine, rollups)

    async def attributed(days: int) -> tuple[dict[object, object], object]:
        table = (await charts(engine, shop, attribution_days=days))["recommendations"]
        assert table.total is not None
        return {r["product"]: r["attributed_orders"] for r in table.rows}, table.total["attributed_orders"]

    # throw (click 2 Mar 10:00): 1004, 1007, 1008 and, from 120 days, 1009; mug (click 5 Mar 12:00): 1007, 1008
    assert await attributed(90) == ({"Linen throw": 3, "Ceramic mug": 2}, 3)
    assert await attributed(116) == ({"Linen throw": 3, "Ceramic mug": 2}, 3)
    assert await attributed(117) == ({"Linen throw": 3, "Ceramic mug": 3}, 4)
    assert await attributed(119) == ({"Linen throw": 3, "Ceramic mug": 3}, 4)
    assert await attributed(120) == ({"Linen throw": 4, "Ceramic mug": 3}, 4)
    assert await attributed(4) == ({"Linen throw": 2, "Ceramic mug": 1}, 2)  # 1007 is 4.0 days after the click


async def test_cancellation_reasons_and_saved_orders(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["cancellations"]
    assert [(r["reason"], r["answers"], r["saved"]) for r in table.rows] == [
        ("too_slow", 2, 1),
        ("changed_mind", 1, 0),
    ]
    assert table.rows[0]["save_rate"] == pytest.approx(0.5)
    assert table.total is not None
    assert (table.total["answers"], table.total["saved"]) == (3, 1)


async def test_holdout_below_the_minimum_says_not_enough_data(engine, shop: Shop) -> None:
    table = (await charts(engine, shop))["impact"]
    rows = {r["metric"]: r for r in table.rows}
    visits = rows["Page views per order"]
    assert pick(visits, "messaged_n", "holdout_n", "difference", "ci_low", "note") == {
        "messaged_n": 4,
        "holdout_n": 2,
        "difference": None,
        "ci_low": None,
        "note": "not enough data",
    }
    assert visits["messaged_value"] == pytest.approx(5 / 4)  # 3 + 0 + 1 + 1 views
    assert visits["holdout_value"] == pytest.approx(1.0)  # 2 + 0
    cancels = rows["Cancellation rate"]
    assert (cancels["messaged_value"], cancels["holdout_value"]) == (0.0, 0.5)
    scores = rows["Mean feedback score"]
    assert (scores["messaged_n"], scores["holdout_n"], scores["holdout_value"]) == (3, 0, None)
    assert scores["messaged_value"] == pytest.approx(11 / 3)


async def test_carrier_filter_keeps_only_orders_shipped_with_it(engine, shop: Shop) -> None:
    result = await charts(engine, shop, carrier="ups")  # orders 1003 and 1004
    assert result["visits"].total is not None
    assert pick(result["visits"].total, "orders", "views", "visitors", "visited_orders") == {
        "orders": 2,
        "views": 3,
        "visitors": 2,
        "visited_orders": 2,
    }
    assert [r["carrier"] for r in result["on_time"].rows] == ["ups"]
    assert [(r["carrier"], r["service"]) for r in result["transit"].rows] == [("ups", "express")]
    assert {(r["trigger"], r["channel"]): r["sent"] for r in result["funnel"].rows} == {
        ("shipped", "email"): 0,
        ("shipped", "sms"): 1,
    }
    assert [(r["product"], r["impressions"], r["clicks"]) for r in result["recommendations"].rows] == [
        ("Ceramic mug", 2, 1),
        ("Linen throw", 1, 0),
    ]
    assert [(r["reason"], r["answers"]) for r in result["cancellations"].rows] == [("changed_mind", 1)]
    assert result["feedback"].total is not None and result["feedback"].total["responses"] == 1


async def test_date_range_moves_the_cohort(engine, shop: Shop) -> None:
    from tests.analytics.builders import on

    result = await charts(engine, shop, start=on("03-02"), end=on("03-03"))  # orders 1003 and 1004
    assert [r["day"] for r in result["visits"].rows] == ["2025-03-02", "2025-03-03"]
    assert [r["carrier"] for r in result["on_time"].rows] == ["ups"]
    assert result["unsubscribes"].rows == []  # 4–6 March


async def test_other_merchant_sees_only_its_own_data(engine, shop: Shop) -> None:
    other = await dashboard(engine, shop.filters(merchant_id=shop.other_id))
    assert other["visits"].total is not None
    assert pick(other["visits"].total, "orders", "views", "visitors") == {"orders": 1, "views": 2, "visitors": 2}
    assert [(r["trigger"], r["sent"], r["opened"]) for r in other["funnel"].rows] == [("shipped", 1, 1)]
    assert [(r["carrier"], r["exception_events"], r["failed_attempt_events"]) for r in other["problems"].rows] == [
        ("ups", 1, 1)
    ]
    assert [(r["product"], r["clicks"], r["attributed_orders"]) for r in other["recommendations"].rows] == [
        ("Linen throw", 1, 0)
    ]
    assert [r["comment"] for r in other["comments"].rows] == ["Other shop"]
    assert [(r["reason"], r["saved"]) for r in other["cancellations"].rows] == [("too_slow", 1)]
    assert other["unsubscribes"].total is not None and other["unsubscribes"].total["count"] == 1
