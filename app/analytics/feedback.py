"""Delivery feedback: how many shoppers gave each score (1–5), the mean, and the latest comments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.rolled import rolled_rows, split
from app.analytics.sql import ORDER, cohort
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import OrderDayRollup, SurveyResponse
from app.models.analytics_rollup import SCORES

RESPONSE = SurveyResponse.__table__
ORDER_DAY = OrderDayRollup.__table__
COMMENT_LIMIT = 50

SCORE_COLUMNS = [
    Column("rating", N_("Score")),
    Column("responses", N_("Responses"), "count"),
    Column("share", N_("Share"), "rate"),
]
COMMENT_COLUMNS = [
    Column("created_at", N_("Date"), "date"),
    Column("order_number", N_("Order")),
    Column("rating", N_("Score"), "count"),
    Column("comment", N_("Comment")),
]


def _answers(f: Filters) -> tuple[Any, Any, list[Any]]:
    """The filter's orders (with their number), survey answers joined to them, and the feedback conditions."""
    orders = cohort(f, ORDER.c.number)
    joined = RESPONSE.join(orders, orders.c.id == RESPONSE.c.order_id)
    where = [RESPONSE.c.merchant_id == f.merchant_id, RESPONSE.c.kind == "feedback", RESPONSE.c.rating.is_not(None)]
    return orders, joined, where


async def _raw_scores(conn: AsyncConnection, f: Filters) -> tuple[dict[int, int], int, int]:
    """Answers per score, all answers and the sum of their scores, from the raw rows."""
    _, joined, where = _answers(f)
    query = (
        select(RESPONSE.c.rating, func.count().label("responses"))
        .select_from(joined)
        .where(*where)
        .group_by(RESPONSE.c.rating)
    )
    counts = {int(rating): int(n) for rating, n in await conn.execute(query)}
    return counts, sum(counts.values()), sum(score * n for score, n in counts.items())


async def _rolled_scores(conn: AsyncConnection, f: Filters) -> tuple[dict[int, int], int, int]:
    """The same from the order-day rollup's closed days."""
    per_score = [func.sum(ORDER_DAY.c[f"rating_{score}"]) for score in SCORES]
    query = select(func.sum(ORDER_DAY.c.rated), func.sum(ORDER_DAY.c.rating_total), *per_score).where(
        *rolled_rows(ORDER_DAY, f)
    )
    answered, total, *counts = (await conn.execute(query)).one()
    return {score: int(n or 0) for score, n in zip(SCORES, counts, strict=True)}, int(answered or 0), int(total or 0)


async def feedback_scores(conn: AsyncConnection, f: Filters) -> ChartTable:
    parts = await split(conn, f)
    counts: dict[int, int] = {}
    answered = scored = 0
    for part, read in ((parts.closed, _rolled_scores), (parts.open, _raw_scores)):
        if part:
            found, n, total = await read(conn, part)
            for score, count in found.items():
                counts[score] = counts.get(score, 0) + count
            answered, scored = answered + n, scored + total
    rows = [
        {"rating": str(score), "responses": counts.get(score, 0), "share": ratio(counts.get(score, 0), answered)}
        for score in SCORES
    ]
    mean = scored / answered if answered else None
    total = {"rating": N_("All scores"), "responses": answered, "share": ratio(answered, answered), "mean": mean}
    return ChartTable("feedback", SCORE_COLUMNS, rows, total)


async def feedback_comments(conn: AsyncConnection, f: Filters) -> ChartTable:
    orders, joined, where = _answers(f)
    query = (
        select(RESPONSE.c.created_at, orders.c.number, RESPONSE.c.rating, RESPONSE.c.comment)
        .select_from(joined)
        .where(*where, RESPONSE.c.comment != "")
        .order_by(RESPONSE.c.created_at.desc(), RESPONSE.c.id.desc())
        .limit(COMMENT_LIMIT)
    )
    rows = [
        {"created_at": created, "order_number": number, "rating": rating, "comment": comment}
        for created, number, rating, comment in await conn.execute(query)
    ]
    return ChartTable("comments", COMMENT_COLUMNS, rows)
