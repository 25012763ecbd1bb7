"""Delivery feedback: how many shoppers gave each score (1–5), the mean, and the latest comments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.analytics.filters import Filters
from app.analytics.sql import ORDER, cohort
from app.analytics.table import N_, ChartTable, Column, ratio
from app.models import SurveyResponse

RESPONSE = SurveyResponse.__table__
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


async def feedback_scores(conn: AsyncConnection, f: Filters) -> ChartTable:
    _, joined, where = _answers(f)
    query = (
        select(RESPONSE.c.rating, func.count().label("responses"))
        .select_from(joined)
        .where(*where)
        .group_by(RESPONSE.c.rating)
    )
    counts = {int(rating): int(n) for rating, n in await conn.execute(query)}
    answered = sum(counts.values())
    rows = [
        {"rating": str(score), "responses": counts.get(score, 0), "share": ratio(counts.get(score, 0), answered)}
        for score in range(1, 6)
    ]
    mean = sum(score * n for score, n in counts.items()) / answered if answered else None
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
