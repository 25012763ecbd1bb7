"""Reads for the public pages: a shipment by token with its order, shop, items, events, sibling shipments, what
each parcel carries and the shopper's own requests (Core statements built once and run on the driver; see page_reads
for how reads are made)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import reading
from app.models import (
    ChangeRequest,
    LineItem,
    Merchant,
    Order,
    Shipment,
    ShipmentItem,
    SurveyResponse,
    TrackingEvent,
)
from app.security.tokens import looks_like_token, token_hash
from app.web.driver_queries import DriverQuery
from app.web.page_reads import page_reads

SH, ORD, M, LI, EV = (t.__table__ for t in (Shipment, Order, Merchant, LineItem, TrackingEvent))
CR, SR, SI = ChangeRequest.__table__, SurveyResponse.__table__, ShipmentItem.__table__


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
    parcels: dict[int, list[Any]] = field(default_factory=dict)  # shipment id -> what it carries, where the shop said


# The page's statements are found through the order and the token only: a shop-wide condition (merchant_id =) in
# SQL would let SQLite, on a database not analyzed lately, walk every shipment or request of the shop by its
# merchant index (~9 ms a view at 10,000 shipments, growing with the shop). The shop is checked on the rows instead.
_ORDER_OF_TOKEN = select(SH.c.order_id).where(SH.c.token_hash == bindparam("digest")).scalar_subquery()
# the order's shipments, each with the order and the shop, in one statement (split into rows per table below)
_SHIPMENTS_OF_TOKEN = (
    select(SH, ORD, M)
    .join(ORD, ORD.c.id == SH.c.order_id)
    .join(M, M.c.id == SH.c.merchant_id)
    .where(SH.c.order_id == _ORDER_OF_TOKEN)
    .order_by(SH.c.id)
)
ShipmentRow = namedtuple("ShipmentRow", [c.name for c in SH.c])  # type: ignore[misc]
OrderRow = namedtuple("OrderRow", [c.name for c in ORD.c])  # type: ignore[misc]
MerchantRow = namedtuple("MerchantRow", [c.name for c in M.c])  # type: ignore[misc]
ItemRow = namedtuple("ItemRow", [c.name for c in LI.c])  # type: ignore[misc]
RequestRow = namedtuple("RequestRow", [c.name for c in CR.c])  # type: ignore[misc]
FeedbackRow = namedtuple("FeedbackRow", [c.name for c in SR.c])  # type: ignore[misc]
_ORDER_AT, _MERCHANT_AT = len(SH.c), len(SH.c) + len(ORD.c)
_REQUEST_MERCHANT_AT = list(CR.c).index(CR.c.merchant_id)
_ORDER = select(ORD).where(ORD.c.id == bindparam("order_id"), ORD.c.merchant_id == bindparam("merchant_id"))
_MERCHANT = select(M).where(M.c.id == bindparam("merchant_id"))
_ITEMS = select(LI).where(LI.c.order_id == bindparam("order_id")).order_by(LI.c.id)
_EVENT_SHOWN = (EV.c.occurred_at, EV.c.status, EV.c.substatus, EV.c.description, EV.c.location)  # what the page shows
EventRow = namedtuple("EventRow", [c.name for c in _EVENT_SHOWN])  # type: ignore[misc]
_EVENTS = (
    select(*_EVENT_SHOWN)
    .where(EV.c.shipment_id == bindparam("shipment_id"))
    .order_by(EV.c.occurred_at.desc(), EV.c.id.desc())
)
_SIBLINGS = (
    select(SH).where(SH.c.order_id == bindparam("order_id"), SH.c.id != bindparam("shipment_id")).order_by(SH.c.id)
)
_PARCEL_SHOWN = (SI.c.shipment_id, SI.c.sku, SI.c.product_id, SI.c.variant, SI.c.quantity)
ParcelItemRow = namedtuple("ParcelItemRow", [c.name for c in _PARCEL_SHOWN])  # type: ignore[misc]
_PARCELS = (  # the shop is checked on the rows (`by_parcel`), as for every page statement
    select(*_PARCEL_SHOWN, SH.c.merchant_id)
    .join(SH, SH.c.id == SI.c.shipment_id)
    .where(SH.c.order_id == bindparam("order_id"))
    .order_by(SI.c.id)
)
_PARCEL_MERCHANT_AT = len(_PARCEL_SHOWN)
_REQUESTS = select(CR).where(CR.c.order_id == bindparam("order_id")).order_by(CR.c.id.desc())
_FEEDBACK = select(SR).where(
    SR.c.order_id == bindparam("order_id"), SR.c.merchant_id == bindparam("merchant_id"), SR.c.kind == "feedback"
)

_ON_DRIVER = {
    name: DriverQuery(statement)
    for name, statement in (
        ("shipments", _SHIPMENTS_OF_TOKEN),
        ("items", _ITEMS),
        ("events", _EVENTS),
        ("requests", _REQUESTS),
        ("feedback", _FEEDBACK),
        ("parcels", _PARCELS),
    )
}


async def by_token(engine: AsyncEngine, token: str) -> TrackingData | None:
    """The page's data in a few short statements (see `by_token_on`), in a read block of its own."""
    if not looks_like_token(token):
        return None
    async with page_reads(engine) as conn:
        return await by_token_on(conn, token)


async def by_token_on(conn: Any, token: str) -> TrackingData | None:
    """The page's data on a page_reads connection: the order's shipments (this one found by its token's hash) with
    the order and the shop (read every time: a branding change shows on the next view), its items, this shipment's
    events, the shopper's requests, and feedback once delivered."""
    if not looks_like_token(token):
        return None
    digest = token_hash(token)
    rows = await conn.rows(_ON_DRIVER["shipments"], {"digest": digest})
    shipments = [ShipmentRow._make(r[:_ORDER_AT]) for r in rows]
    at = next((i for i, s in enumerate(shipments) if s.token_hash == digest), None)
    if at is None:
        return None
    shipment = shipments[at]
    order = OrderRow._make(rows[at][_ORDER_AT:_MERCHANT_AT])
    merchant_id = shipment.merchant_id
    if order.merchant_id != merchant_id:
        return None
    merchant = MerchantRow._make(rows[at][_MERCHANT_AT:])
    siblings = [s for s in shipments if s.id != shipment.id and s.merchant_id == merchant_id]
    keys = {"order_id": order.id, "merchant_id": merchant_id, "shipment_id": shipment.id}
    items = [ItemRow._make(r) for r in await conn.rows(_ON_DRIVER["items"], keys)]
    events = [EventRow._make(r) for r in await conn.rows(_ON_DRIVER["events"], keys)]
    found = await conn.rows(_ON_DRIVER["requests"], keys)
    requests = [RequestRow._make(r) for r in found if r[_REQUEST_MERCHANT_AT] == merchant_id]
    feedback = None
    if shipment.status == "delivered":
        found = await conn.rows(_ON_DRIVER["feedback"], keys)
        feedback = FeedbackRow._make(found[0]) if found else None
    parcels = by_parcel(await conn.rows(_ON_DRIVER["parcels"], keys), merchant_id)
    return TrackingData(shipment, order, merchant, items, events, siblings, requests, feedback, parcels)


def by_parcel(rows: Any, merchant_id: int) -> dict[int, list[Any]]:
    """The shop's parcel item rows (_PARCELS), grouped by their shipment."""
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        if row[_PARCEL_MERCHANT_AT] == merchant_id:
            grouped.setdefault(row[0], []).append(ParcelItemRow._make(row[:_PARCEL_MERCHANT_AT]))
    return grouped


async def _gather(
    conn: Any, shipment: Any, siblings: list[Any] | None = None, order: Any = None, merchant: Any = None
) -> TrackingData:
    keys = {"order_id": shipment.order_id, "merchant_id": shipment.merchant_id, "shipment_id": shipment.id}
    if order is None:
        order = (await conn.execute(_ORDER, keys)).one()
    if merchant is None:
        merchant = (await conn.execute(_MERCHANT, {"merchant_id": shipment.merchant_id})).one()
    items = list((await conn.execute(_ITEMS, {"order_id": order.id})).all())
    events = list((await conn.execute(_EVENTS, {"shipment_id": shipment.id})).all())
    if siblings is None:
        siblings = [s for s in (await conn.execute(_SIBLINGS, keys)).all() if s.merchant_id == shipment.merchant_id]
    requests = [r for r in (await conn.execute(_REQUESTS, keys)).all() if r.merchant_id == shipment.merchant_id]
    feedback = None
    if shipment.status == "delivered":
        feedback = (await conn.execute(_FEEDBACK, keys)).first()
    parcels = by_parcel((await conn.execute(_PARCELS, keys)).all(), shipment.merchant_id)
    return TrackingData(shipment, order, merchant, items, events, siblings, requests, feedback, parcels)


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
    shop_revision: int  # merchant.page_revision: the shop's branding and catalogue, as every process sees them


_OTHER = SH.alias("other")
_NEWEST_SIBLING = select(func.max(_OTHER.c.updated_at)).where(_OTHER.c.order_id == SH.c.order_id).scalar_subquery()
VERSION_COLUMNS = (
    SH.c.id,
    SH.c.merchant_id,
    SH.c.order_id,
    SH.c.updated_at,
    ORD.c.updated_at,
    _NEWEST_SIBLING,
    ORD.c.locale,
    M.c.default_locale,
    M.c.frame_ancestors,
    M.c.page_revision,
)
# the shipment found by its token's hash, with its order and shop (other columns may be selected beside these)
SHIPMENT_OF_TOKEN = (
    SH.join(ORD, ORD.c.id == SH.c.order_id).join(M, M.c.id == SH.c.merchant_id),
    SH.c.token_hash == bindparam("digest"),
)
_VERSION = select(*VERSION_COLUMNS).select_from(SHIPMENT_OF_TOKEN[0]).where(SHIPMENT_OF_TOKEN[1])
_VERSION_ON_DRIVER = DriverQuery(_VERSION)


async def page_version(engine: AsyncEngine, token: str) -> PageVersion | None:
    if not looks_like_token(token):
        return None
    async with page_reads(engine) as conn:
        return await page_version_on(conn, token)


async def page_version_on(conn: Any, token: str) -> PageVersion | None:
    """The page's version on a page_reads connection (one indexed statement)."""
    if not looks_like_token(token):
        return None
    found = await conn.rows(_VERSION_ON_DRIVER, {"digest": token_hash(token)})
    if not found:
        return None
    return version_from_row(found[0])


def version_from_row(row: Any) -> PageVersion:
    """The PageVersion of a row starting with VERSION_COLUMNS."""
    version = _version_text(row[3], row[4], row[5])
    return PageVersion(int(row[0]), int(row[1]), int(row[2]), version, row[6], row[7], row[8], int(row[9]))


def version_of(data: TrackingData) -> PageVersion:
    """The PageVersion `page_version` reads, from a page's data already read (a first view needs both)."""
    ship, order, merchant = data.shipment, data.order, data.merchant
    newest = max(s.updated_at for s in (ship, *data.siblings))
    return PageVersion(
        int(ship.id),
        int(ship.merchant_id),
        int(order.id),
        _version_text(ship.updated_at, order.updated_at, newest),
        order.locale,
        merchant.default_locale,
        merchant.frame_ancestors,
        int(merchant.page_revision),
    )


def _version_text(shipment_updated: datetime, order_updated: datetime, newest_of_order: datetime) -> str:
    """The page changes when its shipment, its order or any shipment of its order changes."""
    return f"{shipment_updated.isoformat()}|{order_updated.isoformat()}|{newest_of_order.isoformat()}"


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
