"""Tracking pages rendered ahead and stored (`rendered_page`): the worker renders the page of each shipment whose
message just left, so the burst of first views after a "shipped" email reads one row instead of building the page;
a first view reads the page's version and its stored rendering in one statement and serves it while it is valid.
A new shipment's page is rendered ahead too, for shops that send the link in their own messages. A stored page is
rendered again when its shipment changes, when its shop's look changes, and, while the shipment is under way, when it
lapses."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import insert_for, reading, writing
from app.i18n import pick
from app.models import Merchant, RenderedPage, Shipment
from app.security.tokens import derive_token, looks_like_token, token_hash
from app.tracking.idlist import ids_param, in_ids
from app.web.driver_queries import DriverQuery
from app.web.page_context import zone_named
from app.web.page_render import render_tracking_html
from app.web.pages_data import SHIPMENT_OF_TOKEN, VERSION_COLUMNS, PageVersion, by_token, version_from_row, version_of

log = logging.getLogger("ordertrail.pages")

M, RP, SH = Merchant.__table__, RenderedPage.__table__, Shipment.__table__
# How long a stored page of a shipment under way may be served at most: bounds what it shows of things that move
# without a new version (the learned estimate's refits, bought-together counts). The page's local midnight ends it
# sooner, as its wording depends on the day ("running late").
STORED_FOR = timedelta(hours=3)
RENDER_BATCH = 100
# An ended shipment's page (delivered, returned, expired) shows nothing that depends on the day, no estimate and no
# "running late": it is stored once, at its end, until KEPT_AFTER_END after it (the delivered page is where
# feedback is asked and where shoppers come back for a return), instead of being rendered again every STORED_FOR.
# A lapsed stored page is rendered again while its shipment is under way or ended less than KEPT_AFTER_END ago,
# however late the page job reaches it (`lapsed_pages`); past that it is deleted (`delete_expired`) and built on its
# next view.
KEPT_AFTER_END = timedelta(days=7)
ENDED_STATUSES = ("delivered", "returned", "expired")
# A shop's stored pages are rendered again once its page revision has not moved for this long: a merchant editing
# the settings page saves several times in a row, and each save would otherwise restyle every page.
SHOP_EDITS_SETTLE = timedelta(minutes=1)
# A worker's first look for new shipments (`new_pages`) goes back at least this far, among this many of the newest ids.
NEW_LOOKBACK = timedelta(minutes=10)
NEW_LOOKBACK_ROWS = 10_000
COMPRESSION_LEVEL = 6  # ~22 KB of HTML to ~4 KB; reading it back costs ~30 µs


@dataclass(frozen=True, slots=True)
class StoredPage:
    locale: str
    version: str
    shop_revision: int
    html: bytes  # compressed
    product_ids: tuple[int, ...]
    valid_until: datetime

    def serves(self, version: PageVersion, locale: str, lang_param: str, now: datetime) -> bool:
        """Whether this rendering is the page a view would render now: same version, same shop revision, same
        language (and no language chosen with the picker, whose links it would carry), not past its time."""
        return not lang_param and _is_current(
            (self.locale, self.version, self.shop_revision, self.valid_until), locale, version, now
        )

    def body(self) -> bytes:
        """The page's UTF-8 bytes, nonce placeholder inside."""
        return zlib.decompress(self.html)


_STORED_COLUMNS = (RP.c.locale, RP.c.version, RP.c.shop_revision, RP.c.html, RP.c.product_ids, RP.c.valid_until)
_STORED = (
    select(*VERSION_COLUMNS, *_STORED_COLUMNS)
    .select_from(SHIPMENT_OF_TOKEN[0].outerjoin(RP, RP.c.shipment_id == SH.c.id))
    .where(SHIPMENT_OF_TOKEN[1])
)
_STORED_ON_DRIVER = DriverQuery(_STORED)
_STORED_AT = len(VERSION_COLUMNS)


async def version_and_stored_on(conn: Any, token: str) -> tuple[PageVersion, StoredPage | None] | None:
    """The page's version and its stored rendering if there is one, in one statement on a page_reads connection;
    None for an unknown token."""
    if not looks_like_token(token):
        return None
    found = await conn.rows(_STORED_ON_DRIVER, {"digest": token_hash(token)})
    if not found:
        return None
    row = found[0]
    version = version_from_row(row)
    locale, page_version, revision, html, products, until = row[_STORED_AT:]
    if html is None:
        return version, None
    product_ids = tuple(int(p) for p in products.split(",") if p)
    return version, StoredPage(locale, page_version, int(revision), bytes(html), product_ids, until)


def _is_current(
    stored: tuple[str | None, str | None, int | None, datetime | None], locale: str, version: PageVersion, now: datetime
) -> bool:
    """Whether a rendering of (locale, version, shop revision, valid until) is the page a view in `locale` would
    render now: same language, version and shop revision, not past its time."""
    stored_locale, stored_version, stored_revision, until = stored
    return (
        until is not None
        and now < until
        and (stored_locale, stored_version, stored_revision) == (locale, version.version, version.shop_revision)
    )


def valid_until(now: datetime, zone: ZoneInfo, ended_at: datetime | None = None) -> datetime:
    """Under way: STORED_FOR from now, or the page's next local midnight if that comes first. Ended (`ended_at`):
    KEPT_AFTER_END after its end, and at least STORED_FOR from now."""
    if ended_at is not None:
        return max(ended_at + KEPT_AFTER_END, now + STORED_FOR)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=zone)
    return min(now + STORED_FOR, midnight.astimezone(UTC))


async def store_pages(state: Any, shipment_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Render and store the pages of these shipments, in their order's language (the one a view without the
    picker shows), skipping those whose stored page is still the one a view would serve; returns how many were
    stored. `state` holds `runtime` and this process's page caches."""
    runtime = state.runtime
    ids = sorted(set(shipment_ids))
    stored = 0
    for start in range(0, len(ids), RENDER_BATCH):
        chunk = ids[start : start + RENDER_BATCH]
        async with reading(runtime.engine) as conn:
            refs = (await conn.execute(_REFS_AND_STORED.where(SH.c.id.in_(chunk)))).all()
        rows = []
        for ref, token_version, *rendered_from in refs:
            token = derive_token(runtime.settings.secret_key, ref, token_version)
            try:
                row = await _rendered_row(state, token, now or datetime.now(UTC), _Stored(*rendered_from))
            except Exception:  # a page that cannot be rendered now is built on its first view, with its error
                log.exception("rendering a page ahead failed (shipment ref %s)", ref)
                continue
            if row is not None:
                rows.append(row)
        if rows:
            async with writing(runtime.engine) as conn:
                insert = insert_for(conn, RP)
                replace = {c.name: insert.excluded[c.name] for c in RP.c if c.name != "shipment_id"}
                await conn.execute(insert.on_conflict_do_update(index_elements=["shipment_id"], set_=replace), rows)
            stored += len(rows)
    return stored


PER_TICK = 2000
# New shipments' pages per tick at most (~1 s of rendering): a bulk import of thousands of shipments is rendered over
# minutes, as their links go out, instead of taking the worker's whole time from its poll.
NEW_PER_TICK = 500


async def store_pending(state: Any, *, now: datetime | None = None) -> int:
    """Render and store up to PER_TICK of the pages queued on `state.runtime.pages_to_store` (the shipments whose
    message just left, and the stored pages of orders a poll or push changed: `Runtime.pages_changed`), then, room
    left, stored pages of a shop whose look changed (`restyled_pages`), stored pages that lapsed lately
    (`lapsed_pages`) and the pages of new shipments (`new_pages`); returns how many were stored. A page that fails
    to render is logged and left to be built on its first view; a stored one that fails to render again is deleted,
    so it is not tried again on every tick."""
    runtime = state.runtime
    moment = now or datetime.now(UTC)
    pending = runtime.pages_to_store
    taken = {pending.pop() for _ in range(min(PER_TICK, len(pending)))}
    renewed = await restyled_pages(runtime, moment, PER_TICK - len(taken)) if len(taken) < PER_TICK else []
    taken.update(renewed)
    if len(taken) < PER_TICK:
        renewed += await lapsed_pages(runtime.engine, moment, PER_TICK - len(taken))
        taken.update(renewed)
    if len(taken) < PER_TICK:
        taken.update(await new_pages(runtime, moment, min(PER_TICK - len(taken), NEW_PER_TICK)))
    if not taken:
        return 0
    stored = await store_pages(state, taken, now=now)
    if renewed:
        async with writing(runtime.engine) as conn:  # those that did not render again (the others are dated now)
            not_renewed = delete(RP).where(in_ids(RP.c.shipment_id, conn.dialect), RP.c.rendered_at < bindparam("now"))
            await conn.execute(not_renewed, {"ids": ids_param(conn.dialect, renewed), "now": moment})
    return stored


async def restyled_pages(runtime: Any, now: datetime, limit: int) -> list[int]:
    """Up to `limit` shipments whose stored page was rendered at an older revision of its shop, of shops whose
    revision moved since the page job last looked (`merchant.page_revision`, moved by any process's write to the
    shop, its products or its rules) and then stayed for SHOP_EDITS_SETTLE. Without this, a shop's edit would send
    every first view of its stored pages to the built path until they lapse."""
    async with reading(runtime.engine) as conn:
        revisions = {int(m): int(r) for m, r in await conn.execute(select(M.c.id, M.c.page_revision))}
        seen, restyled = runtime.shop_revisions, runtime.shops_restyled
        for merchant_id, revision in revisions.items():
            if merchant_id in seen and seen[merchant_id] != revision:
                restyled[merchant_id] = now
        runtime.shop_revisions = revisions
        found: list[int] = []
        for merchant_id, moved_at in list(restyled.items()):
            if now - moved_at < SHOP_EDITS_SETTLE or len(found) >= limit:
                continue
            room = limit - len(found)
            params = {"merchant_id": merchant_id, "revision": revisions.get(merchant_id, -1), "now": now}
            stale = [int(row[0]) for row in await conn.execute(_STALE_OF_SHOP.limit(room), params)]
            found.extend(stale)
            if len(stale) < room:  # none left at an older revision
                del restyled[merchant_id]
        return found


_STALE_OF_SHOP = (
    select(RP.c.shipment_id)
    .join(SH, SH.c.id == RP.c.shipment_id)
    .where(
        SH.c.merchant_id == bindparam("merchant_id"),
        RP.c.shop_revision != bindparam("revision"),
        RP.c.valid_until > bindparam("now"),
    )
)


async def new_pages(runtime: Any, now: datetime, limit: int) -> list[int]:
    """Up to `limit` shipments created since the page job last looked that have no stored page and have not ended.
    A shop that sends its own "shipped" email with the page's link (the API's `tracking_url`) then has its shoppers'
    first views meet a stored page too, as ours do. The look-up walks the primary key on from the newest id seen
    (`Runtime.newest_shipment_seen`); a worker's first look starts where the page job had got to, or at the
    shipments created in the last NEW_LOOKBACK (`_first_new_shipment`), so those created while no worker ran are
    not passed over."""
    async with reading(runtime.engine) as conn:
        after = runtime.newest_shipment_seen
        if after is None:
            after = await _first_new_shipment(conn, now) - 1
        stored = select(RP.c.shipment_id).where(RP.c.shipment_id == SH.c.id).exists()
        passed_over = or_(SH.c.status.in_(ENDED_STATUSES), stored).label("passed_over")
        query = select(SH.c.id, passed_over).where(SH.c.id > after).order_by(SH.c.id).limit(limit)
        rows = (await conn.execute(query)).all()
    runtime.newest_shipment_seen = int(rows[-1][0]) if rows else after
    return [int(shipment_id) for shipment_id, skip in rows if not skip]


async def _first_new_shipment(conn: AsyncConnection, now: datetime) -> int:
    """Where a worker's first look starts: after the newest shipment with a stored page (where the page job, in this
    or an earlier process, had got to: a worker down for hours passes over nothing), or at the oldest shipment id
    created in the last NEW_LOOKBACK, whichever is older. The look-back searches the newest NEW_LOOKBACK_ROWS ids
    (a bounded primary-key range: no index on the creation time alone is needed); one past the newest id if none."""
    newest = int((await conn.execute(select(func.coalesce(func.max(SH.c.id), 0)))).scalar_one())
    recent = select(func.min(SH.c.id)).where(SH.c.id > newest - NEW_LOOKBACK_ROWS, SH.c.created_at > bindparam("since"))
    found = (await conn.execute(recent, {"since": now - NEW_LOOKBACK})).scalar_one()
    start = int(found) if found is not None else newest + 1
    stored_newest = (await conn.execute(select(func.max(RP.c.shipment_id)))).scalar_one()
    return start if stored_newest is None else min(start, int(stored_newest) + 1)


async def lapsed_pages(engine: AsyncEngine, now: datetime, limit: int) -> list[int]:
    """Up to `limit` shipments whose stored page lapsed, oldest lapse first, whose shipment is under way or ended
    less than KEPT_AFTER_END ago: a shopper who opens the message hours later, or comes back the next day, still
    meets a stored page. The page's time (three hours, or its local midnight) still bounds what it shows of things
    that move without a new version; renewing it renders those afresh. A page job held up (a worker down for an
    hour) renders the pages that lapsed meanwhile when it runs again, instead of leaving them to be built on view."""
    query = (
        select(RP.c.shipment_id)
        .join(SH, SH.c.id == RP.c.shipment_id)
        .where(RP.c.valid_until <= bindparam("now"), _still_renewed())
        .order_by(RP.c.valid_until)
        .limit(limit)
    )
    async with reading(engine) as conn:
        return [int(row[0]) for row in await conn.execute(query, {"now": now, "ended_after": now - KEPT_AFTER_END})]


def _still_renewed() -> Any:
    """A shipment whose lapsed page is rendered again: under way, or ended after `ended_after`."""
    return or_(SH.c.status.not_in(ENDED_STATUSES), SH.c.status_changed_at > bindparam("ended_after"))


class _Stored(NamedTuple):
    """What a shipment's stored page, if any, was rendered from (all None when it has none)."""

    locale: str | None
    version: str | None
    shop_revision: int | None
    valid_until: datetime | None

    def still_serves(self, locale: str, version: PageVersion, now: datetime) -> bool:
        """Whether the stored page is still the one a view in `locale` would serve."""
        return _is_current(self, locale, version, now)


_REFS_AND_STORED = select(
    SH.c.ref, SH.c.token_version, RP.c.locale, RP.c.version, RP.c.shop_revision, RP.c.valid_until
).select_from(SH.outerjoin(RP, RP.c.shipment_id == SH.c.id))


async def _rendered_row(state: Any, token: str, now: datetime, stored: _Stored) -> dict[str, Any] | None:
    """The page's row to store; None for an unknown token, or when the stored page is still the one a view would
    serve (a new shipment's page stored moments before its first message left, say): no second render."""
    data = await by_token(state.runtime.engine, token)
    if data is None:
        return None
    version = version_of(data)
    locale = pick(data.order.locale, data.merchant.default_locale)
    if stored.still_serves(locale, version, now):
        return None
    html, product_ids = await render_tracking_html(state, data, token, locale, extra={"version": version.version})
    zone = zone_named(data.order.timezone or data.merchant.timezone)
    ship = data.shipment
    ended_at = ship.status_changed_at if ship.status in ENDED_STATUSES else None
    return {
        "shipment_id": version.shipment_id,
        "locale": locale,
        "version": version.version,
        "shop_revision": version.shop_revision,
        "html": zlib.compress(html.encode(), COMPRESSION_LEVEL),
        "product_ids": ",".join(str(p) for p in product_ids),
        "valid_until": valid_until(now, zone, ended_at),
        "rendered_at": now,
    }


async def delete_expired(engine: AsyncEngine, now: datetime) -> int:
    """Drop the stored pages past their time that the page job no longer renders again (their shipment ended over
    KEPT_AFTER_END ago); returns how many."""
    renewed = select(SH.c.id).where(SH.c.id == RP.c.shipment_id, _still_renewed()).exists()
    expired = delete(RP).where(RP.c.valid_until <= bindparam("now"), ~renewed)
    async with writing(engine) as conn:
        result = await conn.execute(expired, {"now": now, "ended_after": now - KEPT_AFTER_END})
        return result.rowcount or 0
