"""Shopper requests (address change, swap, cancel) the merchant answers, and survey answers summarised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import ChangeRequest, Order, SurveyResponse, utcnow
from app.web.page_changes import order_page_changed

REQUESTS = ChangeRequest.__table__
ORDERS = Order.__table__
SURVEYS = SurveyResponse.__table__
KINDS = ("address", "swap", "cancel")
STATES = ("open", "accepted", "declined", "done")
# Where each state may go next: declined and done are final.
NEXT_STATES = {"open": ("accepted", "declined", "done"), "accepted": ("done", "declined"), "declined": (), "done": ()}
NOTE_LIMIT = 1000


class RequestChangeInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))
        self.errors = errors


async def list_requests(
    conn: AsyncConnection, *, merchant_id: int, state: str = "", kind: str = "", limit: int = 200
) -> list[Any]:
    """Newest first, with the order number."""
    query = (
        select(REQUESTS, ORDERS.c.number.label("order_number"))
        .join(ORDERS, ORDERS.c.id == REQUESTS.c.order_id)
        .where(REQUESTS.c.merchant_id == merchant_id)
    )
    if state:
        query = query.where(REQUESTS.c.state == state)
    if kind:
        query = query.where(REQUESTS.c.kind == kind)
    query = query.order_by(REQUESTS.c.created_at.desc(), REQUESTS.c.id.desc()).limit(limit)
    return list((await conn.execute(query)).all())


async def get_request(conn: AsyncConnection, *, merchant_id: int, request_id: int) -> Any | None:
    query = (
        select(REQUESTS, ORDERS.c.number.label("order_number"))
        .join(ORDERS, ORDERS.c.id == REQUESTS.c.order_id)
        .where(REQUESTS.c.merchant_id == merchant_id, REQUESTS.c.id == request_id)
    )
    return (await conn.execute(query)).one_or_none()


async def answer_request(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    request_id: int,
    state: str,
    note: str,
    now: datetime | None = None,
) -> bool:
    """Move a request to `state` with the merchant's note. False when not this shop's; RequestChangeInvalid
    when the state or note is not acceptable."""
    current = await get_request(conn, merchant_id=merchant_id, request_id=request_id)
    if current is None:
        return False
    note = note.strip()
    errors: dict[str, str] = {}
    if state not in STATES:
        errors["state"] = "must be one of: " + ", ".join(STATES)
    elif state not in NEXT_STATES[current.state]:
        allowed = ", ".join(NEXT_STATES[current.state]) or "nothing (it is final)"
        errors["state"] = f"a request that is {current.state} can only become {allowed}"
    if len(note) > NOTE_LIMIT:
        errors["note"] = f"is longer than {NOTE_LIMIT} characters"
    if errors:
        raise RequestChangeInvalid(errors)
    values: dict[str, Any] = {"state": state, "merchant_note": note}
    if state in ("declined", "done"):
        values["resolved_at"] = now or utcnow()
    await conn.execute(update(REQUESTS).where(REQUESTS.c.id == request_id).values(values))
    await order_page_changed(conn, merchant_id=merchant_id, order_id=current.order_id, now=now or utcnow())
    return True


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str
    count: int
    saved: int


@dataclass(frozen=True, slots=True)
class SurveySummary:
    reasons: list[ReasonCount]
    feedback_count: int
    average_rating: float | None
    comments: list[Any]


async def survey_summary(conn: AsyncConnection, *, merchant_id: int, comments: int = 50) -> SurveySummary:
    """Cancellation reasons (with how many were saved), the average feedback score, the latest comments."""
    reason_query = (
        select(SURVEYS.c.value, func.count(), func.count().filter(SURVEYS.c.saved.is_(True)))
        .where(SURVEYS.c.merchant_id == merchant_id, SURVEYS.c.kind == "cancel_reason")
        .group_by(SURVEYS.c.value)
        .order_by(func.count().desc(), SURVEYS.c.value)
    )
    reasons = [ReasonCount(value, int(n), int(saved)) for value, n, saved in (await conn.execute(reason_query)).all()]
    feedback = SURVEYS.c.merchant_id == merchant_id, SURVEYS.c.kind == "feedback"
    count, average = (
        await conn.execute(select(func.count(SURVEYS.c.rating), func.avg(SURVEYS.c.rating)).where(*feedback))
    ).one()
    comment_query = (
        select(SURVEYS.c.rating, SURVEYS.c.comment, SURVEYS.c.created_at, ORDERS.c.number.label("order_number"))
        .join(ORDERS, ORDERS.c.id == SURVEYS.c.order_id)
        .where(*feedback)
        .order_by(SURVEYS.c.created_at.desc(), SURVEYS.c.id.desc())
        .limit(comments)
    )
    return SurveySummary(
        reasons=reasons,
        feedback_count=int(count),
        average_rating=None if average is None else round(float(average), 2),
        comments=list((await conn.execute(comment_query)).all()),
    )
