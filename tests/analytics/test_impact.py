"""The holdout comparison read from the database, with groups large enough for an interval (hand-computed)."""

from __future__ import annotations

import pytest

from app.analytics.charts import chart
from app.analytics.filters import Filters
from app.db import writing
from tests.analytics import builders as b
from tests.factories import make_merchant


async def test_holdout_differences_with_intervals(engine) -> None:
    m, _ = await make_merchant(engine, "impact")
    async with writing(engine) as c:
        # Messaged: 40 orders, 20 with two page views, 4 cancelled, 30 rated 4 and 10 rated 5.
        for i in range(40):
            order_id = await b.order(c, m, f"M{i}", b.at("03-02"), cancelled_at=b.at("03-03") if i < 4 else None)
            if i < 20:
                await b.views(c, m, order_id, f"m{i}", f"m{i}")
            await b.survey(c, m, order_id, "feedback", rating=4 if i < 30 else 5)
        # Holdout: 30 orders, no views, 9 cancelled, rated 3 (15) and 4 (15).
        for i in range(30):
            order_id = await b.order(
                c, m, f"H{i}", b.at("03-02"), holdout=True, cancelled_at=b.at("03-03") if i < 9 else None
            )
            await b.survey(c, m, order_id, "feedback", rating=3 if i < 15 else 4)
    f = Filters(merchant_id=m, start=b.on("03-01"), end=b.on("03-10"), now=b.at("03-20"))
    rows = {r["metric"]: r for r in (await chart(engine, "impact", f)).rows}

    visits = rows["Page views per order"]
    assert (visits["messaged_n"], visits["holdout_n"]) == (40, 30)
    assert (visits["messaged_value"], visits["holdout_value"]) == (1.0, 0.0)
    # se = sqrt((40/39)/40) = 0.1601282, df 39, t = 2.0227
    assert visits["difference"] == pytest.approx(1.0)
    assert visits["ci_low"] == pytest.approx(0.67611, abs=2e-4)
    assert visits["ci_high"] == pytest.approx(1.32389, abs=2e-4)
    assert visits["note"] == ""

    cancels = rows["Cancellation rate"]
    assert cancels["difference"] == pytest.approx(0.1 - 0.3)
    assert cancels["ci_low"] == pytest.approx(-0.388503, abs=1e-5)
    assert cancels["ci_high"] == pytest.approx(-0.011497, abs=1e-5)

    scores = rows["Mean feedback score"]
    # messaged mean 4.25, variance (30·16 + 10·25 − 40·4.25²)/39 = 7.5/39; holdout 3.5, variance 7.5/29
    # se = sqrt(7.5/39/40 + 7.5/29/30) = sqrt(0.0048077 + 0.0086207) = 0.1158812
    # df = 0.0134284² / (0.0048077²/39 + 0.0086207²/29) = 57.1, t ≈ 2.0025 → 0.75 ± 0.2320
    assert scores["difference"] == pytest.approx(0.75)
    assert scores["ci_low"] == pytest.approx(0.75 - 0.2320, abs=2e-4)
    assert scores["ci_high"] == pytest.approx(0.75 + 0.2320, abs=2e-4)
