"""Reads for the public pages: a shipment by token with its order, shop, items and events (Core queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.models import LineItem, Merchant, Order, Shipment, TrackingEvent
from app.security.tokens import looks_like_token, token_hash

SH, ORD, M, LI, EV = (t.__table__ for t in (Shipment, Order, Merchant, LineItem, TrackingEvent))


@dataclass
class TrackingData:
    shipment: Any
    order: Any
    merchant: Any
    items: list[Any]
    events: list[Any]


async def by_token(engine: AsyncEngine, token: str) -> TrackingData | None:
    if not looks_like_token(token):
        return None
    async with reading(engine) as conn:
        shipment = (await conn.execute(select(SH).where(SH.c.token_hash == token_hash(token)))).first()
        if shipment is None:
            return None
        order = (await conn.execute(select(ORD).where(ORD.c.id == shipment.order_id))).one()
        merchant = (await conn.execute(select(M).where(M.c.id == shipment.merchant_id))).one()
        items = list((await conn.execute(select(LI).where(LI.c.order_id == order.id).order_by(LI.c.id))).all())
        events = list(
            (
                await conn.execute(
                    select(EV).where(EV.c.shipment_id == shipment.id).order_by(EV.c.occurred_at.desc(), EV.c.id.desc())
                )
            ).all()
        )
    return TrackingData(shipment, order, merchant, items, events)


async def merchant_by_slug(engine: AsyncEngine, slug: str) -> Any | None:
    async with reading(engine) as conn:
        return (await conn.execute(select(M).where(M.c.slug == slug))).first()
