"""What each parcel of a split order carries: the items a shop names for a shipment (by SKU, else product id and
variant) matched to its order's items and stored in `shipment_item`, with a precise error for any that do not match."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.ingest.schemas import ParcelItemIn
from app.models import LineItem, Shipment, ShipmentItem
from app.web.page_changes import lapse_stored_pages

LI, SH, SI = LineItem.__table__, Shipment.__table__, ShipmentItem.__table__


class ParcelItemsSet(NamedTuple):
    changed: bool  # False when the shipment already carried exactly these
    left_out: dict[str, str]  # place -> why, for entries that did not match (never when strict)


class ParcelItemsInvalid(ValueError):
    """Some named items are not the order's: `errors` maps each one's place (`parcel_items[2]`) to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{place}: {reason}" for place, reason in errors.items()))
        self.errors = errors


def match_item(wanted: ParcelItemIn, items: Sequence[Any]) -> Any | None:
    """The order's item this entry names: the one with its SKU; else the one with its product id and, when given,
    its variant (the first of several)."""
    if wanted.sku:
        return next((item for item in items if item.sku == wanted.sku), None)
    same_product = [item for item in items if item.product_id == wanted.product_id]
    if wanted.variant:
        same_product = [item for item in same_product if item.variant == wanted.variant]
    return same_product[0] if same_product else None


def _named(wanted: ParcelItemIn) -> str:
    if wanted.sku:
        return f"sku {wanted.sku!r}"
    return f"product_id {wanted.product_id!r}" + (f" (variant {wanted.variant!r})" if wanted.variant else "")


async def set_parcel_items(
    conn: AsyncConnection,
    *,
    order_id: int,
    shipment_id: int,
    wanted: Sequence[ParcelItemIn],
    now: datetime,
    field: str = "parcel_items",
    strict: bool = True,
    places: Sequence[str] | None = None,
) -> ParcelItemsSet:
    """Replace what this shipment carries with `wanted`, each matched to an item of its order and no more of it than
    the order holds; the shipment's `updated_at` moves and the order's stored pages lapse, so its pages show it.
    When any entry does not match: strict, raises ParcelItemsInvalid, changing nothing; otherwise stores those that
    match and returns the others' errors (a shop integration's payload is taken as far as it goes), keyed by each
    entry's place: `places[i]` when given (a CSV line), else `field[i]`. Writes nothing when the shipment already
    carries exactly these."""
    items = list(await conn.execute(select(LI).where(LI.c.order_id == order_id).order_by(LI.c.id)))
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    carried: dict[int, int] = {}
    for index, entry in enumerate(wanted):
        place = places[index] if places is not None else f"{field}[{index}]"
        item = match_item(entry, items)
        if item is None:
            errors[place] = f"the order has no item with {_named(entry)}"
            continue
        carried[item.id] = carried.get(item.id, 0) + entry.quantity
        if carried[item.id] > item.quantity:
            errors[place] = f"the order holds {item.quantity} of {_named(entry)}, not {carried[item.id]}"
            continue
        rows.append(
            {
                "shipment_id": shipment_id,
                "sku": item.sku,
                "product_id": item.product_id,
                "variant": item.variant,
                "quantity": entry.quantity,
            }
        )
    if errors and strict:
        raise ParcelItemsInvalid(errors)
    shown = (SI.c.shipment_id, SI.c.sku, SI.c.product_id, SI.c.variant, SI.c.quantity)
    current = select(*shown).where(SI.c.shipment_id == shipment_id).order_by(SI.c.id)
    before = [row._asdict() for row in await conn.execute(current)]
    if before == rows:  # the same again (a repeated call or import): nothing to write
        return ParcelItemsSet(False, errors)
    await conn.execute(SI.delete().where(SI.c.shipment_id == shipment_id))
    if rows:
        await conn.execute(SI.insert(), rows)
    touched = update(SH).where(SH.c.id == shipment_id).values(updated_at=now).returning(SH.c.merchant_id)
    merchant_id = (await conn.execute(touched)).scalar_one()
    await lapse_stored_pages(conn, merchant_id=merchant_id, order_id=order_id, now=now)  # each parcel shows them all
    return ParcelItemsSet(True, errors)
