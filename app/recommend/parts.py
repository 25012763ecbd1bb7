"""What each product contributes to recommendations (its catalogue row, the rules it meets, the orders holding it),
read in one batch per kind for the products not known yet, and a basket's list assembled from those parts."""

from __future__ import annotations

import heapq
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from app.models import LineItem, Order, Product, RecommendationRule

LI, ORD, PR, RULE = (t.__table__ for t in (LineItem, Order, Product, RecommendationRule))
RECENT_ORDERS = 2000  # bought-together looks at this many of the shop's latest orders sharing a product
RANKED = 20  # bought-together candidates looked up in the catalogue, best counts first


@dataclass(frozen=True, slots=True)
class Recommended:
    product_id: int
    title: str
    url: str
    image_url: str
    price_cents: int
    currency: str
    reason: str  # "rule" or "bought_together"


@dataclass(frozen=True, slots=True)
class ProductRow:
    """A catalogue product, with what a page shows for it under either reason (shared, immutable)."""

    id: int
    external_id: str
    collections: tuple[str, ...]
    active: bool
    as_rule: Recommended
    as_bought: Recommended

    @classmethod
    def of(cls, row: Any) -> ProductRow:
        shown = (row.id, row.title, row.url, row.image_url, row.price_cents, row.currency)
        collections = tuple(dict.fromkeys(c.strip() for c in (row.collections or "").split(",") if c.strip()))
        return cls(
            row.id,
            row.external_id,
            collections,
            bool(row.active),
            Recommended(*shown, "rule"),
            Recommended(*shown, "bought_together"),
        )


@dataclass(slots=True)
class Holding:
    """The latest RECENT_ORDERS + 1 orders holding a product (order id, newest first → the order's product ids), and
    the counts of products over the first RECENT_ORDERS of them (one per order)."""

    orders: dict[int, tuple[str, ...]]
    head: dict[str, int]
    last: int | None  # the extra (RECENT_ORDERS + 1)th order, when there is one (else `orders` is every order)
    ranking: tuple[str, ...]  # the products of `head`, most orders first, then by id


@dataclass(slots=True)
class ProductPart:
    """One product's contribution: its row (None when the catalogue lacks it), the rules it meets by itself or
    through its collections as (position, rule id, recommended product id), sorted; its orders, read when needed."""

    row: ProductRow | None
    rules: tuple[tuple[int, int, int], ...]
    holding: Holding | None = None


@dataclass(frozen=True, slots=True)
class Need:
    """What a basket's assembly lacks: "products" (their parts), "holding" (their orders) or "rows" (catalogue
    rows by external id), for these product ids."""

    kind: str
    keys: tuple[str, ...]


_COLUMNS = (PR.c.id, PR.c.external_id, PR.c.title, PR.c.url, PR.c.image_url, PR.c.price_cents, PR.c.currency)
_PRODUCTS_BY_EXTERNAL = select(*_COLUMNS, PR.c.collections, PR.c.active).where(
    PR.c.merchant_id == bindparam("merchant_id"), PR.c.external_id.in_(bindparam("external_ids", expanding=True))
)
# the rules met by the products or their collections, each with the product it recommends (found through the
# (merchant_id, when_value) index)
_RULES_MET = (
    select(
        RULE.c.position,
        RULE.c.id.label("rule_id"),
        RULE.c.when_kind,
        RULE.c.when_value,
        *_COLUMNS,
        PR.c.collections,
        PR.c.active,
    )
    .join(PR, PR.c.id == RULE.c.product_id)
    .where(
        RULE.c.merchant_id == bindparam("merchant_id"),
        PR.c.merchant_id == bindparam("merchant_id"),
        RULE.c.when_value.in_(bindparam("values", expanding=True)),
        or_(
            (RULE.c.when_kind == "product") & RULE.c.when_value.in_(bindparam("products", expanding=True)),
            (RULE.c.when_kind == "collection") & RULE.c.when_value.in_(bindparam("collections", expanding=True)),
        ),
    )
)
# each product's latest RECENT_ORDERS + 1 orders (one more than a basket's window: the page's own order is left
# out of it), with every product id those orders hold
_holding = (
    select(LI.c.product_id.label("key"), LI.c.order_id)
    .join(ORD, ORD.c.id == LI.c.order_id)
    .where(ORD.c.merchant_id == bindparam("merchant_id"), LI.c.product_id.in_(bindparam("keys", expanding=True)))
    .group_by(LI.c.product_id, LI.c.order_id)
    .subquery()
)
_ranked = select(
    _holding.c.key,
    _holding.c.order_id,
    func.row_number().over(partition_by=_holding.c.key, order_by=_holding.c.order_id.desc()).label("n"),
).subquery()
_HOLDING = (
    select(_ranked.c.key, _ranked.c.order_id, LI.c.product_id)
    .join(LI, LI.c.order_id == _ranked.c.order_id)
    .where(_ranked.c.n <= bindparam("window"), LI.c.product_id != "")
    .order_by(_ranked.c.key, _ranked.c.order_id.desc())
)


class ShopParts:
    """The parts known for one shop (for one shop generation): products by external id, catalogue rows by id and
    by external id. `weight` counts what is held (parts, rows, orders), for the cache's bound."""

    def __init__(self, merchant_id: int, generation: int = 0) -> None:
        self.merchant_id = merchant_id
        self.generation = generation
        self.born = time.monotonic()
        self.products: dict[str, ProductPart] = {}
        self.rows: dict[int, ProductRow] = {}
        self.by_external: dict[str, ProductRow | None] = {}
        self.weight = 0

    def pick(
        self, basket: frozenset[str], order_id: int, limit: int, bought_together: bool
    ) -> list[Recommended] | Need:
        """The basket's recommendations (exactly those of `app.recommend.recommendations`), or what to read first."""
        known = self.products
        missing = [p for p in basket if p not in known]
        if missing:
            return Need("products", tuple(sorted(missing)))
        parts = [known[p] for p in basket]
        exclude = {part.row.id for part in parts if part.row is not None}
        # rule order across the basket (each part's rules are sorted already)
        rules: Sequence[tuple[int, int, int]] = (
            parts[0].rules if len(parts) == 1 else sorted(chain.from_iterable(part.rules for part in parts))
        )
        rows = self.rows
        picked: list[Recommended] = []
        for _, _, product_id in rules:  # rule order across the basket; a product two rules name: the first's place
            row = rows[product_id]
            if row.active and row.id not in exclude and row.external_id not in basket:
                picked.append(row.as_rule)
                exclude.add(row.id)
        if len(picked) >= limit or not bought_together or not basket:
            return picked[:limit]
        holdings = [part.holding for part in parts if part.holding is not None]
        if len(holdings) < len(parts):
            return Need("holding", tuple(sorted(p for p in basket if known[p].holding is None)))
        ranked = _bought_together(basket, order_id, holdings)
        unknown = [p for p in ranked if p not in self.by_external]
        if unknown:
            return Need("rows", tuple(unknown))
        for external_id in ranked:
            found = self.by_external[external_id]
            if found is not None and found.active and found.id not in exclude:
                picked.append(found.as_bought)
                exclude.add(found.id)
        return picked[:limit]

    async def load(self, conn: Any, need: Need) -> None:
        """Read what `need` names, one statement per kind, for all its products at once."""
        keys = list(need.keys)
        if need.kind == "products":
            await self._load_products(conn, keys)
        elif need.kind == "holding":
            await self._load_holding(conn, keys)
        else:
            params = {"merchant_id": self.merchant_id, "external_ids": keys}
            for row in await conn.execute(_PRODUCTS_BY_EXTERNAL, params):
                self._row(row)
            for key in keys:
                if key not in self.by_external:
                    self.by_external[key] = None
                    self.weight += 1

    def _row(self, row: Any) -> ProductRow:
        made = self.rows.get(row.id)
        if made is None:
            made = self.rows[row.id] = ProductRow.of(row)
            self.by_external[made.external_id] = made
            self.weight += 1
        return made

    async def _load_products(self, conn: Any, keys: list[str]) -> None:
        params = {"merchant_id": self.merchant_id, "external_ids": keys}
        found = {row.external_id: self._row(row) for row in await conn.execute(_PRODUCTS_BY_EXTERNAL, params)}
        collections = sorted({c for row in found.values() for c in row.collections})
        met: defaultdict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
        if keys or collections:
            params = {
                "merchant_id": self.merchant_id,
                "values": sorted(set(keys) | set(collections)),
                "products": keys,
                "collections": collections,
            }
            for rule in await conn.execute(_RULES_MET, params):
                target = self._row(rule)
                met[(rule.when_kind, rule.when_value)].append((rule.position, rule.rule_id, target.id))
        for key in keys:
            if key in self.products:  # read meanwhile for another page
                continue
            row = found.get(key)
            if row is None:
                self.by_external.setdefault(key, None)
            rules = list(met.get(("product", key), ()))
            for collection in row.collections if row is not None else ():
                rules.extend(met.get(("collection", collection), ()))
            self.products[key] = ProductPart(row, tuple(sorted(rules)))
            self.weight += 1 + len(rules)

    async def _load_holding(self, conn: Any, keys: list[str]) -> None:
        orders: dict[str, dict[int, set[str]]] = {key: {} for key in keys}
        params = {"merchant_id": self.merchant_id, "keys": keys, "window": RECENT_ORDERS + 1}
        names: dict[str, str] = {}  # one string per product id, shared by every order holding it
        for key, order_id, product in await conn.execute(_HOLDING, params):
            orders[key].setdefault(order_id, set()).add(names.setdefault(product, product))
        for key in keys:
            held = {order_id: tuple(sorted(products)) for order_id, products in orders[key].items()}  # newest first
            ids = list(held)
            last = ids[RECENT_ORDERS] if len(ids) > RECENT_ORDERS else None
            head = dict(Counter(chain.from_iterable(map(held.__getitem__, ids[:RECENT_ORDERS]))))
            ranking = tuple(p for _, p in sorted((-n, p) for p, n in head.items()))
            part = self.products.get(key)
            if part is not None and part.holding is None:
                part.holding = Holding(held, head, last, ranking)
                self.weight += 1 + len(held)


def _bought_together(basket: frozenset[str], order_id: int, holdings: list[Holding]) -> list[str]:
    """The RANKED products found in most of the RECENT_ORDERS latest orders other than `order_id` that hold a basket
    product (then by id), basket products left out. Those orders are all among the basket products' own latest
    RECENT_ORDERS + 1 orders, so the parts answer exactly."""
    if len(holdings) == 1:
        held = holdings[0]
        own = held.orders.get(order_id) if order_id != held.last else None
        if own is None:  # the window is the product's first RECENT_ORDERS orders: ranked already
            return _first(held.ranking, basket)
        head = held.head
        changed = {p: head[p] - 1 for p in own}  # the page's order leaves the window, the next one comes in
        if held.last is not None:
            for p in held.orders[held.last]:
                changed[p] = changed.get(p, head.get(p, 0)) + 1
        # products whose count did not change keep their order: only the first few can still place
        unchanged = held.ranking[: RANKED + len(changed) + len(basket)]
        counts = {p: changed[p] if p in changed else head[p] for p in chain(unchanged, changed)}
        return _top(counts, basket)
    orders = [held.orders for held in holdings]
    if all(held.last is None for held in holdings):  # every order of these products is known
        seen = set(orders[0])
        seen.update(*orders[1:])
        if len(seen) - (order_id in seen) <= RECENT_ORDERS:  # the window is all of them: add up the counts
            counts = Counter(holdings[0].head)
            for at in range(1, len(orders)):
                before = set().union(*orders[:at])
                for again in orders[at].keys() & before:  # an order holding two basket products counts once
                    counts.subtract(orders[at][again])
                counts.update(holdings[at].head)
            if order_id in seen:
                counts.subtract(next(o[order_id] for o in orders if order_id in o))
            return _top(counts, basket)
    union: dict[int, tuple[str, ...]] = {}
    for held in orders:
        union.update(held)
    union.pop(order_id, None)
    window = sorted(union, reverse=True)[:RECENT_ORDERS] if len(union) > RECENT_ORDERS else union
    return _top(Counter(chain.from_iterable(map(union.__getitem__, window))), basket)


def _first(ranking: tuple[str, ...], basket: frozenset[str]) -> list[str]:
    if basket.isdisjoint(ranking[: RANKED + len(basket)]):
        return list(ranking[:RANKED])
    return [p for p in ranking[: RANKED + len(basket)] if p not in basket][:RANKED]


def _top(counts: dict[str, int], basket: frozenset[str]) -> list[str]:
    """The RANKED products with the highest counts above zero, then by id, basket products left out."""
    for p in basket:
        counts.pop(p, None)
    cutoff = 1
    if len(counts) > RANKED:
        cutoff = max(cutoff, heapq.nlargest(RANKED, counts.values())[-1])
    best = sorted((-n, p) for p, n in counts.items() if n >= cutoff)
    return [p for _, p in best[:RANKED]]


async def assemble(
    parts: ShopParts, conn: Any, basket: frozenset[str], order_id: int, limit: int, bought_together: bool
) -> list[Recommended]:
    """The basket's recommendations, reading on `conn` what the parts lack (at most one statement per kind)."""
    for _ in range(4):
        found = parts.pick(basket, order_id, limit, bought_together)
        if not isinstance(found, Need):
            return found
        await parts.load(conn, found)
    raise RuntimeError("recommendation parts still missing after loading them")  # pragma: no cover
