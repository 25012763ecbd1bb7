"""The per-process runtime: settings, database engine, shared HTTP client, channels, carrier adapters, and the pages
to render ahead."""

from __future__ import annotations

import gc
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import make_engine, reading
from app.models import CarrierAccountRow, RenderedPage, Shipment
from app.security.crypto import CredentialsError, key_from_settings, unseal
from app.settings import Settings
from app.tracking.idlist import ids_param, in_ids
from app.web.page_connections import close_page_connections
from carriers import registry
from carriers.base import CarrierAccount, CarrierAdapter
from carriers.errors import CarrierAuthError
from carriers.http import make_client

T = TypeVar("T")
# Shipments waiting for their page to be rendered ahead, at most: beyond it, pages are built on their first view.
MAX_PAGES_TO_STORE = 50_000
_RP, _SH = RenderedPage.__table__, Shipment.__table__


def run_worker(main: Coroutine[Any, Any, T]) -> T:
    """Run the worker's main coroutine on uvloop, where aiohttp's carrier calls cost less CPU than on asyncio's
    default loop (compare with `python -m bench.poll_sweep --loop asyncio`)."""
    import uvloop

    tune_gc()
    return uvloop.run(main)


def tune_gc() -> None:
    """The cyclic collector, set for a process that allocates many short-lived objects per unit of work (a poll
    sweep's shipments, a page view's rows and strings); called by the worker and the web server once started.

    What is alive at start (modules, models, SQLAlchemy's tables and caches: ~140k objects) is frozen out of the
    full passes: a poll sweep triggered a few, and each walked all of them (~80 ms; 15-20 µs of CPU per polled
    shipment); in the web server each stopped every request in flight for 100-160 ms (most of the first views'
    p99). Young collections run every 10,000 net allocations instead of 700 (~320 per 10k shipments came down
    to ~12; the whole sweep ~10 % less CPU), so fewer short-lived objects get promoted and rescanned. Cyclic garbage
    made after start is still collected, only in larger batches.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    http: httpx.AsyncClient
    channels: dict[str, Any] = field(default_factory=dict)
    # shipments whose message just left: their tracking pages are rendered ahead (app.web.stored_pages)
    pages_to_store: set[int] = field(default_factory=set)
    # the shops' page revisions as the page job last read them, and the shops whose revision moved since, with when
    # it last moved: their stored pages are rendered again once the shop's edits settle
    shop_revisions: dict[int, int] = field(default_factory=dict)
    shops_restyled: dict[int, datetime] = field(default_factory=dict)
    # the newest shipment id the page job has looked at (None until its first look): shipments created after it get
    # their page rendered ahead without waiting for a message
    newest_shipment_seen: int | None = None
    _adapters: dict[tuple[str, int | None, int | None], CarrierAdapter] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Runtime:
        return cls(settings=settings, engine=make_engine(settings.database_url), http=make_client(transport=transport))

    @property
    def credentials_key(self) -> bytes:
        return key_from_settings(self.settings.credentials_key, self.settings.secret_key)

    def queue_pages(self, shipment_ids: Iterable[int]) -> None:
        """Queue these shipments' pages for the page job to render ahead, up to MAX_PAGES_TO_STORE waiting; beyond
        that they are built on their first view."""
        waiting = self.pages_to_store
        for shipment_id in shipment_ids:
            if len(waiting) >= MAX_PAGES_TO_STORE:
                return
            waiting.add(int(shipment_id))

    async def pages_changed(self, order_ids: list[int]) -> None:
        """Orders whose shipments a poll or push just changed: their stored pages still served, whichever process
        stored them, are queued to be rendered again, siblings included (each page of a split order shows the
        order's newest change), so a stored page stays the one a view would build. One indexed read per batch; "still
        served" is judged by the clock views are served by."""
        if not order_ids or len(self.pages_to_store) >= MAX_PAGES_TO_STORE:
            return
        async with reading(self.engine) as conn:
            query = (
                select(_RP.c.shipment_id)
                .join(_SH, _SH.c.id == _RP.c.shipment_id)
                .where(in_ids(_SH.c.order_id, conn.dialect), _RP.c.valid_until > bindparam("now"))
            )
            params = {"ids": ids_param(conn.dialect, set(order_ids)), "now": datetime.now(UTC)}
            found = await conn.execute(query, params)
            self.queue_pages(row[0] for row in found)

    def speed_for(self, carrier: str) -> float:
        return self.settings.sandbox_speed if carrier == "sandbox" else 1.0

    async def adapter(self, carrier: str, account_id: int | None, merchant_id: int) -> CarrierAdapter:
        """The adapter for a shipment's account: its own, else the merchant's for that carrier, else built-in."""
        cache_key = (carrier, account_id, None if account_id else merchant_id)
        if cache_key in self._adapters:
            return self._adapters[cache_key]
        account = await self._load_account(carrier, account_id, merchant_id)
        adapter = registry.adapter_class(carrier)(account, self.http)
        self._adapters[cache_key] = adapter
        return adapter

    async def _load_account(self, carrier: str, account_id: int | None, merchant_id: int) -> CarrierAccount:
        table = CarrierAccountRow.__table__
        query = select(table).where(table.c.merchant_id == merchant_id, table.c.carrier == carrier)
        if account_id is not None:
            query = select(table).where(table.c.id == account_id)
        async with reading(self.engine) as conn:
            row = (await conn.execute(query.order_by(table.c.id).limit(1))).first()
        if row is None:
            if carrier == "sandbox":
                return CarrierAccount(
                    "sandbox", {"api_key": self.settings.sandbox_api_key}, base_url=self.settings.sandbox_url
                )
            raise CarrierAuthError(f"no {carrier} account is configured for this shop")
        try:
            credentials = unseal(self.credentials_key, row.merchant_id, carrier, row.credentials)
        except CredentialsError as exc:
            raise CarrierAuthError(str(exc)) from exc
        base_url = row.base_url or (self.settings.sandbox_url if carrier == "sandbox" else "")
        return CarrierAccount(carrier, credentials, base_url=base_url, options=dict(row.options))

    def forget_adapters(self) -> None:
        self._adapters.clear()

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        await self.http.aclose()
        await close_page_connections(self.engine)
        await self.engine.dispose()
