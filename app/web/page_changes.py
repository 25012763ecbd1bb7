"""Writes that change what an order's tracking pages show outside the carrier pipeline (the shopper's own actions,
the shop's answer to a request, a rating, an order update, a new parcel or what a parcel carries): the order's page
version moves and its stored pages lapse, so the page job of whichever process runs it renders them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import Order, RenderedPage, Shipment

ORD, RP, SH = Order.__table__, RenderedPage.__table__, Shipment.__table__


async def order_page_changed(conn: AsyncConnection, *, merchant_id: int, order_id: int, now: datetime) -> None:
    """In the writer's transaction: bump the order's `updated_at` (part of every page's version, so no cached or
    stored rendering of the old state is served) and lapse its stored pages (`lapse_stored_pages`)."""
    await conn.execute(update(ORD).where(ORD.c.id == order_id, ORD.c.merchant_id == merchant_id).values(updated_at=now))
    await lapse_stored_pages(conn, merchant_id=merchant_id, order_id=order_id, now=now)


async def lapse_stored_pages(conn: AsyncConnection, *, merchant_id: int, order_id: int, now: datetime) -> None:
    """End the time of the order's stored pages now, for a write that already moved the order's `updated_at`: the
    page job's next look at lapsed pages renders them again (`stored_pages.lapsed_pages`)."""
    of_order = select(SH.c.id).where(SH.c.order_id == order_id, SH.c.merchant_id == merchant_id)
    await conn.execute(update(RP).where(RP.c.shipment_id.in_(of_order), RP.c.valid_until > now).values(valid_until=now))
