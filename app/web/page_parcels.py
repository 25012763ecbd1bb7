"""What each parcel of a split order carries, as the tracking page shows it: this parcel's items, the order's other
parcels' items, and what has not shipped yet. Only for orders whose shop said which items each parcel carries; the
page lists the order's items otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Carried:
    item: Any  # the order's line item
    quantity: int


@dataclass(frozen=True, slots=True)
class Parcels:
    here: list[Carried]  # in this parcel
    others: dict[int, list[Carried]]  # sibling shipment id -> what it carries
    unshipped: list[Carried]  # in no parcel yet

    @property
    def count(self) -> int:
        return sum(c.quantity for c in self.here)


def item_of(row: Any, items: Sequence[Any]) -> Any | None:
    """The order's item a parcel row names: the same SKU, product id and variant; else the same SKU; else the same
    product id and variant (the order's items may have been sent again since)."""
    for same in (
        lambda i: (i.sku, i.product_id, i.variant) == (row.sku, row.product_id, row.variant),
        lambda i: bool(row.sku) and i.sku == row.sku,
        lambda i: bool(row.product_id) and (i.product_id, i.variant) == (row.product_id, row.variant),
    ):
        found = next((i for i in items if same(i)), None)
        if found is not None:
            return found
    return None


def parcels_of(shipment_id: int, parcels: dict[int, list[Any]], items: Sequence[Any]) -> Parcels | None:
    """This shipment's parcel view, or None when the shop named no parcel's items for this order."""
    if not parcels:
        return None
    carried: dict[int, list[Carried]] = {}
    shipped: dict[int, int] = {}  # line item id -> how many are in some parcel
    for parcel_id, rows in parcels.items():
        for row in rows:
            item = item_of(row, items)
            if item is None:
                continue
            carried.setdefault(parcel_id, []).append(Carried(item, row.quantity))
            shipped[item.id] = shipped.get(item.id, 0) + row.quantity
    unshipped = [Carried(i, i.quantity - shipped.get(i.id, 0)) for i in items if i.quantity > shipped.get(i.id, 0)]
    others = {parcel_id: found for parcel_id, found in carried.items() if parcel_id != shipment_id}
    return Parcels(carried.get(shipment_id, []), others, unshipped)
