"""/api/v1/feedback: shoppers' answers — delivery scores with comments, and cancellation reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.models import Order, SurveyResponse
from app.web.api.framework import Call, Operation, Reply
from app.web.api.models import FeedbackOut, Page
from app.web.api.orders import feedback_select
from app.web.api.paging import PageQuery, next_cursor, paged

SURVEY, ORD = SurveyResponse.__table__, Order.__table__


class FeedbackQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["feedback", "cancel_reason"] | None = None
    order_number: str | None = Field(default=None, min_length=1, max_length=64)
    rating: int | None = Field(default=None, ge=1, le=5)


async def list_feedback(call: Call) -> Reply:
    query: FeedbackQuery = call.query
    statement = feedback_select().where(SURVEY.c.merchant_id == call.merchant_id)
    if query.kind is not None:
        statement = statement.where(SURVEY.c.kind == query.kind)
    if query.order_number is not None:
        statement = statement.where(ORD.c.number == query.order_number)
    if query.rating is not None:
        statement = statement.where(SURVEY.c.rating == query.rating)
    rows, cursor = next_cursor(list(await call.conn.execute(paged(statement, SURVEY.c.id, query))), query.limit)
    return Reply(200, Page[FeedbackOut](data=[FeedbackOut.of(row) for row in rows], next_cursor=cursor))


operations = [
    Operation(
        "GET",
        "/api/v1/feedback",
        list_feedback,
        "List shoppers' feedback and cancellation reasons, newest first",
        {200: ("a page of answers", Page[FeedbackOut])},
        query=FeedbackQuery,
        tag="feedback",
    ),
]
