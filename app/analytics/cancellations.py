"""Cancellation reasons shoppers gave, and how many of those orders the save offer kept."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.sql import cohort
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import SurveyResponse

RESPONSE = SurveyResponse.__table__

COLUMNS = [
    Column("reason", N_("Reason")),
    Column("answers", N_("Answers"), "count"),
    Column("saved", N_("Saved orders"), "count"),
    Column("save_rate", N_("Save rate"), "rate"),
]


async def cancellation_reasons(conn: AsyncConnection, f: Filters) -> ChartTable:
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
    rows = [
        {"reason": r.reason, "answers": int(r.answers), "saved": int(r.saved), "save_rate": ratio(r.saved, r.answers)}
        for r in await conn.execute(query)
    ]
    rows.sort(key=lambda r: (-r["answers"], r["reason"]))
    answers, saved = sum(r["answers"] for r in rows), sum(r["saved"] for r in rows)
    total = {"reason": N_("All reasons"), "answers": answers, "saved": saved, "save_rate": ratio(saved, answers)}
    return ChartTable("cancellations", COLUMNS, rows, total if rows else None)
