"""Console shipment search: newest update first, keyset pages, filters that stay on indexed columns.

One search box: text with an '@' is an exact customer email (the indexed column, as stored); anything else is
an order number or tracking number, exact or prefix (a range on the index, never a scan of the table).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from app.models import Order, Shipment
from carriers.registry import CARRIER_CODES
from carriers.status import TERMINAL, Status

SHIPMENTS = Shipment.__table__
ORDERS = Order.__table__
STATUSES = tuple(status.value for status in Status)
TROUBLE = ("exception", "failed_attempt")
PAGE_SIZE = 50
MATCH_CAP = 1000
TOP = "\U0010ffff"  # sorts after every other character: the exclusive end of a prefix range


@dataclass(frozen=True, slots=True)
class ShipmentQuery:
    text: str = ""
    status: str = ""
    carrier: str = ""
    late: bool = False
    trouble: bool = False  # exceptions, failed attempts, or the shopper must act
    cursor: str = ""

    def errors(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if self.status and self.status not in STATUSES:
            problems["status"] = "is not a shipment status"
        if self.carrier and self.carrier not in CARRIER_CODES:
            problems["carrier"] = "is not a known carrier"
        if self.cursor and decode_cursor(self.cursor) is None:
            problems["cursor"] = "is not a page marker from this list"
        if len(self.text) > 254:
            problems["q"] = "is longer than 254 characters"
        return problems


@dataclass(frozen=True, slots=True)
class ShipmentPage:
    rows: list[Any]
    next_cursor: str
    truncated: bool = False  # the text matched more than MATCH_CAP shipments: only the newest are listed


def encode_cursor(updated_at: datetime, shipment_id: int) -> str:
    raw = f"{updated_at.astimezone(UTC).isoformat()}|{shipment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, ident = raw.partition("|")
        parsed = datetime.fromisoformat(moment)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), int(ident)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """Exact or prefix match as a range the column's index can serve (binary / C collation order)."""
    return and_(column >= text, column < literal(text + TOP, column.type))


def matching_statement(merchant_id: int, text: str, cap: int) -> CompoundSelect:
    """Ids of shipments whose order number or tracking number starts with `text`, or whose customer email is
    exactly `text`: each branch walks one index, and at most `cap` + 1 ids come back."""
    if "@" in text:
        orders = select(ORDERS.c.id).where(ORDERS.c.customer_email == text, ORDERS.c.merchant_id == merchant_id)
        branches = [select(SHIPMENTS.c.id).where(SHIPMENTS.c.order_id.in_(orders))]
    else:
        orders = select(ORDERS.c.id).where(ORDERS.c.merchant_id == merchant_id, _prefix(ORDERS.c.number, text))
        branches = [select(SHIPMENTS.c.id).where(SHIPMENTS.c.order_id.in_(orders))]
        if tracking := re.sub(r"[\s-]", "", text).upper():
            branches.append(
                select(SHIPMENTS.c.id).where(
                    SHIPMENTS.c.merchant_id == merchant_id, _prefix(SHIPMENTS.c.tracking_number, tracking)
                )
            )
    return union(*branches).limit(cap + 1)


def late_condition(today: date) -> ColumnElement[bool]:
    """Past the latest estimate and not finished."""
    return and_(SHIPMENTS.c.estimate_latest < today, SHIPMENTS.c.status.not_in([s.value for s in TERMINAL]))


def trouble_condition() -> ColumnElement[bool]:
    return or_(SHIPMENTS.c.status.in_(TROUBLE), SHIPMENTS.c.action_required.is_(True))


def search_statement(
    merchant_id: int, query: ShipmentQuery, today: date, limit: int, ids: list[int] | None = None
) -> Select[Any]:
    """The SELECT for one page (plus one row that tells whether another page follows); `ids` are the text
    search's matches (None: no text search)."""
    statement = select(
        SHIPMENTS.c.id,
        SHIPMENTS.c.tracking_number,
        SHIPMENTS.c.carrier,
        SHIPMENTS.c.status,
        SHIPMENTS.c.action_required,
        SHIPMENTS.c.estimate_latest,
        SHIPMENTS.c.updated_at,
        ORDERS.c.number.label("order_number"),
        ORDERS.c.customer_email,
    ).join(ORDERS, ORDERS.c.id == SHIPMENTS.c.order_id)
    if ids is None:
        statement = statement.where(SHIPMENTS.c.merchant_id == merchant_id)
    else:
        # `+ 0` keeps the planner on the id list instead of walking the shop's whole newest-first index.
        statement = statement.where(SHIPMENTS.c.id.in_(ids), SHIPMENTS.c.merchant_id + 0 == merchant_id)
    if query.status:
        statement = statement.where(SHIPMENTS.c.status == query.status)
    if query.carrier:
        statement = statement.where(SHIPMENTS.c.carrier == query.carrier)
    if query.late:
        statement = statement.where(late_condition(today))
    if query.trouble:
        statement = statement.where(trouble_condition())
    if query.cursor and (position := decode_cursor(query.cursor)):
        moment, last_id = position
        statement = statement.where(
            or_(
                SHIPMENTS.c.updated_at < moment,
                and_(SHIPMENTS.c.updated_at == moment, SHIPMENTS.c.id < last_id),
            )
        )
    return statement.order_by(SHIPMENTS.c.updated_at.desc(), SHIPMENTS.c.id.desc()).limit(limit + 1)


async def search_shipments(
    conn: AsyncConnection, *, merchant_id: int, query: ShipmentQuery, today: date, limit: int = PAGE_SIZE
) -> ShipmentPage:
    """One page of this shop's shipments matching `query` (validate with `query.errors()` first).

    A text search first collects the matching ids (at most MATCH_CAP; `truncated` says when there were more),
    so the page query never walks the whole shop's list to test each row against the text."""
    ids: list[int] | None = None
    truncated = False
    if text := query.text.strip():
        ids = list((await conn.execute(matching_statement(merchant_id, text, MATCH_CAP))).scalars())
        truncated = len(ids) > MATCH_CAP
        ids = ids[:MATCH_CAP]
    rows = list((await conn.execute(search_statement(merchant_id, query, today, limit, ids))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].id) if more else ""
    return ShipmentPage(rows=rows, next_cursor=next_cursor, truncated=truncated)


def next_page(query: ShipmentQuery, cursor: str) -> ShipmentQuery:
    return replace(query, cursor=cursor)
