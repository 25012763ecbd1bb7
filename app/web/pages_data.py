"""Reads for the public pages: a shipment by token with its order, shop, items, events, sibling shipments and the
shopper's own requests (Core queries, one connection)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import reading
from app.models import ChangeRequest, LineItem, Merchant, Order, Shipment, SurveyResponse, TrackingEvent
from app.security.tokens import looks_like_token, token_hash

SH, ORD, M, LI, EV = (t.__table__ for t in (Shipment, Order, Merchant, LineItem, TrackingEvent))
CR, SR = ChangeRequest.__table__, SurveyResponse.__table__


@dataclass
class TrackingData:
    shipment: Any
    order: Any
    merchant: Any
    items: list[Any]
    events: list[Any]
    siblings: list[Any] = field(default_factory=list)  # the order's other shipments
    requests: list[Any] = field(default_factory=list)  # the shopper's change requests, newest first
    feedback: Any = None  # the shopper's delivery feedback, if given


async def by_token(engine: AsyncEngine, token: str, merchants: MerchantCache | None = None) -> TrackingData | None:
    """The page's data in four or five queries: the order's shipments (this one found by its token's hash), the
    order, its items, this shipment's events, the shopper's requests, and feedback once delivered."""
    if not looks_like_token(token):
        return None
    digest = token_hash(token)
    order_of_token = select(SH.c.order_id).where(SH.c.token_hash == digest).scalar_subquery()
    async with reading(engine) as conn:
        query = select(SH).where(SH.c.order_id == order_of_token).order_by(SH.c.id)
        shipments = list((await conn.execute(query)).all())
        shipment = next((s for s in shipments if s.token_hash == digest), None)
        if shipment is None:
            return None
        siblings = [s for s in shipments if s.id != shipment.id and s.merchant_id == shipment.merchant_id]
        return await _gather(conn, shipment, siblings, merchants)


async def _gather(
    conn: AsyncConnection, shipment: Any, siblings: list[Any] | None = None, merchants: MerchantCache | None = None
) -> TrackingData:
    order = (
        await conn.execute(select(ORD).where(ORD.c.id == shipment.order_id, ORD.c.merchant_id == shipment.merchant_id))
    ).one()
    merchant = merchants.get(shipment.merchant_id) if merchants else None
    if merchant is None:
        merchant = (await conn.execute(select(M).where(M.c.id == shipment.merchant_id))).one()
        if merchants:
            merchants.put(merchant)
    items = list((await conn.execute(select(LI).where(LI.c.order_id == order.id).order_by(LI.c.id))).all())
    events = list(
        (
            await conn.execute(
                select(EV).where(EV.c.shipment_id == shipment.id).order_by(EV.c.occurred_at.desc(), EV.c.id.desc())
            )
        ).all()
    )
    if siblings is None:
        query = select(SH).where(SH.c.order_id == order.id, SH.c.merchant_id == merchant.id, SH.c.id != shipment.id)
        siblings = list((await conn.execute(query.order_by(SH.c.id))).all())
    requests = list(
        (
            await conn.execute(
                select(CR).where(CR.c.order_id == order.id, CR.c.merchant_id == merchant.id).order_by(CR.c.id.desc())
            )
        ).all()
    )
    feedback = None
    if shipment.status == "delivered":
        query = select(SR).where(SR.c.order_id == order.id, SR.c.merchant_id == merchant.id, SR.c.kind == "feedback")
        feedback = (await conn.execute(query)).first()
    return TrackingData(shipment, order, merchant, items, events, siblings, requests, feedback)


class MerchantCache:
    """Shop rows for `ttl` seconds: branding changes reach pages within that time (the rendered page cache keeps a
    page a minute anyway)."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._rows: dict[int, tuple[float, Any]] = {}

    def get(self, merchant_id: int) -> Any | None:
        found = self._rows.get(merchant_id)
        return found[1] if found and time.monotonic() - found[0] <= self.ttl else None

    def put(self, row: Any) -> None:
        self._rows[int(row.id)] = (time.monotonic(), row)


def merchants_for(state: Any) -> MerchantCache:
    found = getattr(state, "merchant_rows", None)
    if found is None:
        found = MerchantCache()
        state.merchant_rows = found
    return found


@dataclass(frozen=True, slots=True)
class PageVersion:
    """What a cached page is keyed on, from one indexed query: the page changes only when `version` does."""

    shipment_id: int
    merchant_id: int
    order_id: int
    version: str
    order_locale: str
    shop_locale: str
    frame_ancestors: str


async def page_version(engine: AsyncEngine, token: str) -> PageVersion | None:
    if not looks_like_token(token):
        return None
    other = SH.alias("other")
    newest_sibling = select(func.max(other.c.updated_at)).where(other.c.order_id == SH.c.order_id).scalar_subquery()
    query = (
        select(
            SH.c.id,
            SH.c.merchant_id,
            SH.c.order_id,
            SH.c.updated_at,
            ORD.c.updated_at,
            newest_sibling,
            ORD.c.locale,
            M.c.default_locale,
            M.c.frame_ancestors,
        )
        .join(ORD, ORD.c.id == SH.c.order_id)
        .join(M, M.c.id == SH.c.merchant_id)
        .where(SH.c.token_hash == token_hash(token))
    )
    async with reading(engine) as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    version = f"{row[3].isoformat()}|{row[4].isoformat()}|{row[5]}"
    return PageVersion(int(row[0]), int(row[1]), int(row[2]), version, row[6], row[7], row[8])


async def merchant_by_slug(engine: AsyncEngine, slug: str) -> Any | None:
    async with reading(engine) as conn:
        return (await conn.execute(select(M).where(M.c.slug == slug))).first()


async def merchant_by_domain(engine: AsyncEngine, host: str) -> Any | None:
    if not host:
        return None
    async with reading(engine) as conn:
        return (await conn.execute(select(M).where(M.c.custom_domain == host))).first()


async def orders_numbered(conn: AsyncConnection, merchant_id: int, numbers: list[str]) -> list[Any]:
    return list(
        (await conn.execute(select(ORD).where(ORD.c.merchant_id == merchant_id, ORD.c.number.in_(numbers)))).all()
    )


async def latest_shipment_of(conn: AsyncConnection, merchant_id: int, order_id: int) -> Any | None:
    query = select(SH).where(SH.c.merchant_id == merchant_id, SH.c.order_id == order_id).order_by(SH.c.id.desc())
    return (await conn.execute(query.limit(1))).first()


async def shipment_by_number(engine: AsyncEngine, merchant_id: int, number: str) -> TrackingData | None:
    """A shipment found by its bare tracking number (the page then shows no order details)."""
    async with reading(engine) as conn:
        query = select(SH).where(SH.c.merchant_id == merchant_id, SH.c.tracking_number == number).limit(1)
        shipment = (await conn.execute(query)).first()
        if shipment is None:
            return None
        return await _gather(conn, shipment)
