"""Delivery feedback, from the shop (API) or the tracking page: one score and comment per order, announced to its
webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.ingest.schemas import Strict, WholeInt
from app.integrations.outbound import queue_event
from app.models import Order, Shipment, SurveyResponse
from app.web.page_changes import order_page_changed

SURVEY, SHIP, ORD = SurveyResponse.__table__, Shipment.__table__, Order.__table__


class FeedbackFields(Strict):
    rating: WholeInt = Field(ge=1, le=5, description="1 (bad) to 5 (great)")
    comment: str = Field(default="", max_length=2000)


@dataclass(frozen=True)
class FeedbackResult:
    feedback_id: int
    created: bool


async def record_feedback(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    order_id: int,
    data: FeedbackFields,
    source: str,
    now: datetime,
    shipment_id: int | None = None,
) -> FeedbackResult:
    """Store (or replace) the order's feedback, against `shipment_id` or else its latest shipment, queue
    `feedback.received`, and move the order's page version (its pages show the rating)."""
    if shipment_id is None:
        shipment_id = (
            await conn.execute(select(SHIP.c.id).where(SHIP.c.order_id == order_id).order_by(SHIP.c.id.desc()).limit(1))
        ).scalar()
    existing = (
        await conn.execute(select(SURVEY.c.id).where(SURVEY.c.order_id == order_id, SURVEY.c.kind == "feedback"))
    ).scalar()
    values = {"rating": data.rating, "comment": data.comment, "source": source, "updated_at": now}
    statement = insert_for(conn, SURVEY).values(
        merchant_id=merchant_id,
        order_id=order_id,
        shipment_id=shipment_id,
        kind="feedback",
        value="",
        saved=False,
        created_at=now,
        **values,
    )
    statement = statement.on_conflict_do_update(index_elements=["order_id", "kind"], set_=values)
    feedback_id = int((await conn.execute(statement.returning(SURVEY.c.id))).scalar_one())
    number = (await conn.execute(select(ORD.c.number).where(ORD.c.id == order_id))).scalar_one()
    payload = {
        "feedback_id": feedback_id,
        "order_id": order_id,
        "order_number": number,
        "shipment_id": shipment_id,
        "rating": data.rating,
        "comment": data.comment,
        "source": source,
    }
    event_id = f"feedback.received:{feedback_id}:{now.timestamp():.6f}"
    await queue_event(
        conn, merchant_id=merchant_id, event_type="feedback.received", payload=payload, now=now, event_id=event_id
    )
    await order_page_changed(conn, merchant_id=merchant_id, order_id=order_id, now=now)
    return FeedbackResult(feedback_id, existing is None)
