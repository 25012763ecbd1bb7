"""Cancellation reasons shoppers gave, and how many of those orders the save offer kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import add_counts, gather, rolled_rows
from app.analytics.sql import cohort
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import SurveyResponse
from app.models.analytics_rollup import CancellationDayRollup

RESPONSE = SurveyResponse.__table__
ROLLED = CancellationDayRollup.__table__

COLUMNS = [
    Column("reason", N_("Reason")),
    Column("answers", N_("Answers"), "count"),
    Column("saved", N_("Saved orders"), "count"),
    Column("save_rate", N_("Save rate"), "rate"),
]


async def _raw_counts(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    orders = cohort(f)
    query = (
        select(
            RESPONSE.c.value.label("reason"),
            func.count().label("answers"),
            func.sum(case((RESPONSE.c.saved.is_(True), 1), else_=0)).label("saved"),
        )
        .select_from(RESPONSE.join(orders, orders.c.id == RESPONSE.c.order_id))
        .where(RESPONSE.c.merchant_id == f.merchant_id, RESPONSE.c.kind == "cancel_reason")
        .group_by(RESPONSE.c.value)
    )
    for r in await conn.execute(query):
        add_counts(into, r.reason, {"answers": r.answers, "saved": r.saved})


async def _rolled_counts(conn: AsyncConnection, f: Filters, into: dict[Any, dict[str, int]]) -> None:
    query = (
        select(ROLLED.c.reason, func.sum(ROLLED.c.answers).label("answers"), func.sum(ROLLED.c.saved).label("saved"))
        .where(*rolled_rows(ROLLED, f))
        .group_by(ROLLED.c.reason)
    )
    for r in await conn.execute(query):
        add_counts(into, r.reason, {"answers": r.answers, "saved": r.saved})


async def cancellation_reasons(conn: AsyncConnection, f: Filters) -> ChartTable:
    """Answers and saved orders per reason: closed days from the rollup, open days from the raw rows."""
    counts: dict[Any, dict[str, int]] = await gather(conn, f, _rolled_counts, _raw_counts, {})
    rows = [{"reason": reason, **c, "save_rate": ratio(c["saved"], c["answers"])} for reason, c in counts.items()]
    rows.sort(key=lambda r: (-r["answers"], r["reason"]))
    answers, saved = sum(r["answers"] for r in rows), sum(r["saved"] for r in rows)
    total = {"reason": N_("All reasons"), "answers": answers, "saved": saved, "save_rate": ratio(saved, answers)}
    return ChartTable("cancellations", COLUMNS, rows, total if rows else None)
