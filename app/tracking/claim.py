"""Claiming due shipments under a lease, so any number of pollers share the work without overlap.

A claim sets only `lease_until`, a column no index holds: PostgreSQL then rewrites the row in place (a HOT
update) instead of adding an entry to each of the shipment's indexes, and SQLite touches no index page. The
shipment stays in the due index, and the due query skips it while leased; a poller that dies mid-batch leaves its
shipments due again when the lease runs out. PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED inside the UPDATE;
SQLite: one writer at a time under BEGIN IMMEDIATE.

A chunk is the most overdue shipment and the due shipments that follow it in row order, then (if that leaves
room) the next most overdue anywhere: a backlog is claimed in runs of neighbouring rows, so a chunk's lease and
its write touch a few table pages instead of one page per shipment.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import writing
from app.models import Order, Shipment
from app.tracking.apply import sqlite_writer
from app.tracking.idlist import ids_param, in_ids

LEASE = timedelta(minutes=5)
# How far past the most overdue shipment a chunk looks for due neighbours, in ids per claimed shipment: a chunk of
# 1,000 reads at most 8,000 rows of the primary key (a few milliseconds) however few of them are due.
NEIGHBOURHOOD = 8

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


async def claim_due(
    engine: AsyncEngine, *, now: datetime, limit: int, lease: timedelta = LEASE, neighbourhood: int = NEIGHBOURHOOD
) -> list[Any]:
    """Up to `limit` due shipments, leased to the caller until now + lease.

    First the most overdue shipment and the due ones after it within `neighbourhood` × `limit` ids, in row order;
    then, while there is room, the most overdue of the rest. When a poller falls behind (after a restart, or a fleet
    larger than its rate), due times are spread over the whole table with no regard to row order, so taking the
    most overdue thousand touched a thousand table pages twice (lease, then write); neighbours share pages. The
    shipment that has waited longest is always in the chunk.

    Each step is one UPDATE … WHERE id IN (due) RETURNING: on PostgreSQL joined to the orders in the same statement
    (a data-modifying CTE), on SQLite followed by one read of the orders (SQLite's RETURNING sees only the updated
    table).
    """
    due = select(SH.id).where(
        SH.next_poll_at.is_not(None), SH.next_poll_at <= now, or_(SH.lease_until.is_(None), SH.lease_until <= now)
    )
    most_overdue = due.order_by(SH.next_poll_at)
    async with sqlite_writer(engine), writing(engine) as conn:
        oldest_id = await conn.scalar(most_overdue.limit(1))
        if oldest_id is None:
            return []
        near = due.where(SH.id >= oldest_id, SH.id < oldest_id + neighbourhood * limit).order_by(SH.id).limit(limit)
        claimed = await _lease(conn, near, now + lease)
        if len(claimed) < limit:
            claimed += await _lease(conn, most_overdue.limit(limit - len(claimed)), now + lease)
    return claimed


async def _lease(conn: AsyncConnection, due: Select[Any], until: datetime) -> list[Any]:
    """Lease the shipments `due` selects and return them as Claimed rows, with their orders' columns."""
    lease_them = update(Shipment.__table__).values(lease_until=until)
    if conn.dialect.name != "sqlite":
        claimed = (
            lease_them.where(SH.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
            .returning(*SHIPMENT_COLUMNS)
            .cte("claimed")
        )
        query = select(*(claimed.c[c.name] for c in SHIPMENT_COLUMNS), *ORDER_COLUMNS).join(
            Order.__table__, ORD.id == claimed.c.order_id
        )
        return [Claimed(*row) for row in await conn.execute(query)]
    ships = list(
        (await conn.execute(lease_them.where(SH.id.in_(due.scalar_subquery())).returning(*SHIPMENT_COLUMNS))).all()
    )
    if not ships:
        return []
    orders_query = select(ORD.id, *ORDER_COLUMNS).where(in_ids(ORD.id, conn.dialect))
    order_ids = ids_param(conn.dialect, (s.order_id for s in ships))
    orders = {row[0]: row[1:] for row in await conn.execute(orders_query, {"ids": order_ids})}
    return [Claimed(*ship, *orders[ship.order_id]) for ship in ships]
