"""Claiming due shipments under a lease, so any number of pollers share the work without overlap.

A claim pushes `next_poll_at` ahead by the lease: a poller that dies mid-batch leaves its shipments
due again when the lease runs out. PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, then UPDATE … = ANY;
SQLite: one writer at a time under BEGIN IMMEDIATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import is_sqlite, writing
from app.models import Order, Shipment
from app.tracking.apply import sqlite_writer

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


async def claim_due(engine: AsyncEngine, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Any]:
    """Up to `limit` due shipments, leased to the caller until now + lease."""
    due = (
        select(SH.id).where(SH.next_poll_at.is_not(None), SH.next_poll_at <= now).order_by(SH.next_poll_at).limit(limit)
    )
    if not is_sqlite(engine):
        due = due.with_for_update(skip_locked=True)
    async with sqlite_writer(engine), writing(engine) as conn:
        ids = list((await conn.execute(due)).scalars())
        if not ids:
            return []
        until = now + lease
        stmt = update(Shipment.__table__).where(SH.id.in_(bindparam("ids", expanding=True)))
        await conn.execute(stmt.values(next_poll_at=until, lease_until=until), {"ids": ids})
        query = (
            select(*CLAIMED_COLUMNS)
            .join(Order.__table__, ORD.id == SH.order_id)
            .where(SH.id.in_(bindparam("ids", expanding=True)))
        )
        return list((await conn.execute(query, {"ids": ids})).all())
