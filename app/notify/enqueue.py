"""Writing outbox rows for triggers, inside the caller's transaction: switches, holdout, consent, coalescing.

Coalescing is leading-edge: the first milestone of an order goes out at once; a further milestone within the
merchant's `coalesce_minutes` of the last one waits until that window closes, and a newer one supersedes any
still-waiting row for the same order and channel, so a burst of scans becomes at most two messages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import insert_for
from app.models import Merchant, Notification, Order
from app.notify.rules import COALESCED, TRANSACTIONAL, load_switches
from app.tracking.bulk import DriverStatements
from app.tracking.idlist import ids_param, in_ids
from notifications.phone import PhoneNumberError, to_e164

N = Notification.__table__.c
ORD = Order.__table__.c
# What queueing reads of an order (ownership, holdout, cancellation, the recipients): not the whole row.
ORDER_COLUMNS = (ORD.id, ORD.merchant_id, ORD.holdout, ORD.cancelled_at)
ORDER_COLUMNS += (ORD.customer_email, ORD.customer_phone, ORD.sms_opt_in, ORD.country)
ROW_COLUMNS = (
    "merchant_id",
    "order_id",
    "shipment_id",
    "trigger",
    "channel",
    "recipient",
    "dedupe_key",
    "state",
    "attempts",
    "next_attempt_at",
    "provider_id",
    "last_error",
    "context",
    "created_at",
)
# The outbox INSERT bound at the driver (values through the column types' own bind processors, as Core binds them).
_STATEMENTS = DriverStatements()


@dataclass
class Candidate:
    """A trigger that fired for an order (and maybe one shipment); `key` names what it fires once for."""

    merchant_id: int
    order_id: int
    trigger: str
    key: str
    shipment_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict)


def sms_number(order: Any) -> str | None:
    """The order's phone as E.164 when the shopper consented to SMS (sms_opt_in), else None."""
    if not order.sms_opt_in or not order.customer_phone:
        return None
    try:
        return to_e164(order.customer_phone, order.country or None)
    except PhoneNumberError:
        return None


def recipient(order: Any, channel: str) -> str | None:
    if channel == "email":
        return order.customer_email or None
    return sms_number(order)


async def _load(conn: AsyncConnection, table: Any, ids: set[int], columns: tuple[Any, ...] = ()) -> dict[int, Any]:
    if not ids:
        return {}
    query = (select(*columns) if columns else select(table)).where(in_ids(table.c.id, conn.dialect))
    return {row.id: row for row in await conn.execute(query, {"ids": ids_param(conn.dialect, ids)})}


_RECENT_QUERIES: dict[str, Select[Any]] = {}


def recent_query(dialect: Dialect) -> Select[Any]:
    """Milestone rows of the orders `ids` written since `since`, found through the order index (built once per
    dialect). The state test is written `state || ''` so that SQLite cannot choose the (state, next_attempt_at)
    index instead: through it, every batch would walk every pending and sent message the shop ever had."""
    found = _RECENT_QUERIES.get(dialect.name)
    if found is None:
        found = _RECENT_QUERIES[dialect.name] = _recent_query(dialect)
    return found


def _recent_query(dialect: Dialect) -> Select[Any]:
    return select(N.id, N.order_id, N.channel, N.state, N.created_at, N.next_attempt_at, N.sent_at).where(
        in_ids(N.order_id, dialect),
        N.trigger.in_(sorted(COALESCED)),
        N.created_at >= bindparam("since"),
        N.state.concat("").in_(("pending", "sending", "sent")),
    )


async def _recent(conn: AsyncConnection, order_ids: set[int], since: datetime) -> dict[tuple[int, str], list[Any]]:
    """Milestone rows of these orders written since `since`, per (order, channel)."""
    if not order_ids:
        return {}
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    keys = {"ids": ids_param(conn.dialect, order_ids), "since": since}
    for row in await conn.execute(recent_query(conn.dialect), keys):
        found[(row.order_id, row.channel)].append(row)
    return found


def _row(candidate: Candidate, channel: str, to: str, now: datetime) -> dict[str, Any]:
    return {
        "merchant_id": candidate.merchant_id,
        "order_id": candidate.order_id,
        "shipment_id": candidate.shipment_id,
        "trigger": candidate.trigger,
        "channel": channel,
        "recipient": to,
        "dedupe_key": f"{candidate.key}:{candidate.trigger}:{channel}"[:200],
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "provider_id": "",
        "last_error": "",
        "context": candidate.context,
        "created_at": now,
    }


def _hold(row: dict[str, Any], earlier: list[Any], window: timedelta, superseded: list[int]) -> None:
    """Apply the coalescing window to a milestone row given the order's recent rows on the same channel."""
    waiting = [r for r in earlier if r.state == "pending"]
    if waiting:
        superseded.extend(r.id for r in waiting)
        row["next_attempt_at"] = max([row["next_attempt_at"], *(r.next_attempt_at for r in waiting)])
        return
    gone = [r.sent_at or r.created_at for r in earlier]
    if gone:
        row["next_attempt_at"] = max(row["next_attempt_at"], max(gone) + window)


async def queue(conn: AsyncConnection, candidates: list[Candidate], now: datetime) -> int:
    """Write the outbox rows these candidates call for; returns how many rows were offered for insert."""
    if not candidates:
        return 0
    orders = await _load(conn, Order.__table__, {c.order_id for c in candidates}, ORDER_COLUMNS)
    merchants = await _load(conn, Merchant.__table__, {c.merchant_id for c in candidates})
    switches = await load_switches(conn, merchants)
    widest = max((m.coalesce_minutes for m in merchants.values()), default=0)
    recent = await _recent(conn, set(orders), now - timedelta(minutes=max(widest, 0)))
    latest: dict[tuple[int, str, str], dict[str, Any]] = {}
    superseded: list[int] = []
    for candidate in candidates:
        order, merchant = orders.get(candidate.order_id), merchants.get(candidate.merchant_id)
        if order is None or merchant is None or order.merchant_id != merchant.id:
            continue
        if order.holdout and candidate.trigger not in TRANSACTIONAL:
            continue
        if order.cancelled_at is not None and candidate.trigger != "order_cancelled":
            continue
        for channel in switches[merchant.id].channels(candidate.trigger):
            to = recipient(order, channel)
            if to is None:
                continue
            row = _row(candidate, channel, to, now)
            if candidate.trigger in COALESCED:
                window = timedelta(minutes=max(merchant.coalesce_minutes, 0))
                earlier = [r for r in recent.get((order.id, channel), []) if r.created_at >= now - window]
                _hold(row, earlier, window, superseded)
                slot = (order.id, channel, "milestone")
            else:
                slot = (order.id, channel, row["dedupe_key"])
            latest[slot] = row  # a later milestone of the same batch replaces an earlier one
    rows = list(latest.values())
    if superseded:
        await conn.execute(
            update(Notification.__table__)
            .where(in_ids(N.id, conn.dialect), N.state == "pending")
            .values(state="superseded", last_error="replaced by a newer update within the coalesce window"),
            {"ids": ids_param(conn.dialect, superseded)},
        )
    if rows:
        insert = _STATEMENTS.get(conn.dialect, "notification", partial(_insert, conn), ROW_COLUMNS)
        await insert.many(conn, rows)
    return len(rows)


def _insert(conn: AsyncConnection) -> Any:
    return insert_for(conn, Notification.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
