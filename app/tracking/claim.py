"""Claiming due shipments under a lease, so any number of pollers share the work without overlap.

A claim sets only `lease_until`, a column no index holds: PostgreSQL then rewrites the row in place (a HOT
update) instead of adding an entry to each of the shipment's indexes, and SQLite touches no index page. The
shipment stays in the due index, and the due query skips it while leased; a poller that dies mid-batch leaves its
shipments due again when the lease runs out. PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED inside the UPDATE;
SQLite: one writer at a time under BEGIN IMMEDIATE.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite, writing
from app.models import Order, Shipment
from app.tracking.apply import sqlite_writer
from app.tracking.idlist import ids_param, in_ids

LEASE = timedelta(minutes=5)

SH = Shipment.__table__.c
ORD = Order.__table__.c

CLAIMED_COLUMNS = (
    SH.id,
    SH.merchant_id,
    SH.order_id,
    SH.carrier,
    SH.carrier_account_id,
    SH.tracking_number,
    SH.status,
    SH.substatus,
    SH.service,
    SH.estimate_earliest,
    SH.estimate_latest,
    SH.first_estimate,
    SH.created_at,
    SH.last_event_at,
    SH.poll_failures,
    SH.not_found_since,
    SH.delivered_at,
    ORD.customer_email,
    ORD.customer_phone,
    ORD.cancelled_at,
)


SHIPMENT_COLUMNS = tuple(c for c in CLAIMED_COLUMNS if c.table is Shipment.__table__)
ORDER_COLUMNS = tuple(c for c in CLAIMED_COLUMNS if c.table is Order.__table__)
# A claimed row, named as CLAIMED_COLUMNS: a plain tuple, whose attributes apply and the triggers read many times
# over at a fraction of a Row's cost (and on SQLite the shipment and its order come from two statements).
Claimed = namedtuple("Claimed", [c.name for c in (*SHIPMENT_COLUMNS, *ORDER_COLUMNS)])  # type: ignore[misc]


async def claim_due(engine: AsyncEngine, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Any]:
    """Up to `limit` due shipments, leased to the caller until now + lease.

    One UPDATE … WHERE id IN (due) RETURNING: on PostgreSQL joined to the orders in the same statement (a data-
    modifying CTE), on SQLite followed by one read of the orders (SQLite's RETURNING sees only the updated table).
    """
    not_leased = or_(SH.lease_until.is_(None), SH.lease_until <= now)
    due = (
        select(SH.id)
        .where(SH.next_poll_at.is_not(None), SH.next_poll_at <= now, not_leased)
        .order_by(SH.next_poll_at)
        .limit(limit)
    )
    lease_them = update(Shipment.__table__).values(lease_until=now + lease)
    if not is_sqlite(engine):
        claimed = (
            lease_them.where(SH.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
            .returning(*SHIPMENT_COLUMNS)
            .cte("claimed")
        )
        query = select(*(claimed.c[c.name] for c in SHIPMENT_COLUMNS), *ORDER_COLUMNS).join(
            Order.__table__, ORD.id == claimed.c.order_id
        )
        async with writing(engine) as conn:
            return [Claimed(*row) for row in await conn.execute(query)]
    async with sqlite_writer(engine), writing(engine) as conn:
        ships = list(
            (await conn.execute(lease_them.where(SH.id.in_(due.scalar_subquery())).returning(*SHIPMENT_COLUMNS))).all()
        )
        if not ships:
            return []
        orders_query = select(ORD.id, *ORDER_COLUMNS).where(in_ids(ORD.id, conn.dialect))
        order_ids = ids_param(conn.dialect, (s.order_id for s in ships))
        orders = {row[0]: row[1:] for row in await conn.execute(orders_query, {"ids": order_ids})}
    return [Claimed(*ship, *orders[ship.order_id]) for ship in ships]
