"""Learned delivery windows: each shop's delivered history grouped by carrier, service and route, fitted once and
kept in memory; a shipment's window is re-read from its current state (days already in transit) on every view."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import reading
from app.estimates.calendar import DeliveryCalendar, prepare_holidays
from app.estimates.model import TransitHistogram
from app.estimates.regions import region
from app.models import Order, Shipment, TrackingEvent

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50_000  # most recent deliveries per shop: enough for every route, bounded in memory
CACHE_SECONDS = 600.0
STALE_SECONDS = 3 * CACHE_SECONDS  # a page may show an older model's window while the model is refitted
FIT_CHUNK = 200  # delivered shipments grouped between two returns to the event loop (a few ms each)
WINDOWS_PER_MODEL = 50_000  # memoized shipment windows per shop model (see model_window)
MOVING = ("in_transit", "out_for_delivery", "available_for_pickup", "failed_attempt", "exception", "delivered")
TERMINAL = ("delivered", "returned", "expired")

Key = tuple[str, ...]
NOT_KNOWN = object()  # a memo without the entry (None is a value: no window)


@dataclass(frozen=True, slots=True)
class LearnedWindow:
    earliest: date
    latest: date
    confidence: float  # share of similar past shipments delivered inside the window, 0–1
    samples: int


def keys(carrier: str, service: str, origin: tuple[str, str], destination: tuple[str, str]) -> Iterator[Key]:
    """From the most specific history to the broadest: route, destination country, service, carrier."""
    yield ("route", carrier, service, region(*origin), region(*destination))
    yield ("country", carrier, service, destination[0].upper())
    yield ("service", carrier, service)
    yield ("carrier", carrier)


@dataclass
class ShopModel:
    histograms: dict[Key, TransitHistogram]
    loaded_at: float
    windows: dict[tuple[object, ...], LearnedWindow | None] = field(default_factory=dict)  # see model_window
    # each history's (low, high, share) window given the delivery days already in transit (or None): as many as
    # the model has histograms times the days a parcel can be on its way
    spans: dict[tuple[Key, int], tuple[int, int, float] | None] = field(default_factory=dict)


_models: dict[int, ShopModel] = {}


def _history_query(merchant_id: int) -> object:
    s, o, e = Shipment.__table__, Order.__table__, TrackingEvent.__table__
    first_scan = (
        select(func.min(e.c.occurred_at)).where(e.c.shipment_id == s.c.id, e.c.status.in_(MOVING)).scalar_subquery()
    )
    return (
        select(
            s.c.carrier,
            s.c.service,
            s.c.origin_country,
            s.c.origin_postal_code,
            o.c.country,
            o.c.postal_code,
            func.coalesce(s.c.shipped_at, first_scan).label("shipped_at"),
            s.c.delivered_at,
        )
        .join(o, o.c.id == s.c.order_id)
        .where(s.c.merchant_id == merchant_id, s.c.status == "delivered", s.c.delivered_at.is_not(None))
        .order_by(s.c.delivered_at.desc())
        .limit(HISTORY_LIMIT)
    )


def _as_date(moment: datetime | str | None) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite returns coalesce() of timestamps as text
        moment = datetime.fromisoformat(moment)
    return moment.date()


async def fit(conn: AsyncConnection, merchant_id: int) -> ShopModel:
    """Group the shop's delivered shipments by every key and count their transit in delivery days.

    The history (up to HISTORY_LIMIT rows) is streamed and grouped FIT_CHUNK rows at a time, handing the event loop
    back between chunks, and holiday calendars not built yet are built in a thread: a shop with 50,000 deliveries
    takes about a second to fit, which the pages served by the same process must not wait through."""
    histograms: dict[Key, TransitHistogram] = {}
    calendars: dict[tuple[str, str], DeliveryCalendar] = {}
    result = await conn.stream(_history_query(merchant_id))  # type: ignore[call-overload]
    async for rows in result.partitions(FIT_CHUNK):
        trips = []
        for row in rows:
            shipped, delivered = _as_date(row.shipped_at), _as_date(row.delivered_at)
            if shipped is None or delivered is None or delivered < shipped:
                continue
            calendar = calendars.get((row.carrier, row.country))
            if calendar is None:
                calendar = calendars[(row.carrier, row.country)] = DeliveryCalendar(row.carrier, row.country)
            trips.append((row, calendar, shipped, delivered))
        await prepare_holidays(
            (calendar.country, year)
            for _row, calendar, shipped, delivered in trips
            for year in range(shipped.year, delivered.year + 1)
        )
        for row, calendar, shipped, delivered in trips:
            days = calendar.business_days_between(shipped, delivered)
            origin, destination = (row.origin_country, row.origin_postal_code), (row.country, row.postal_code)
            for key in keys(row.carrier, row.service, origin, destination):
                histogram = histograms.get(key)
                if histogram is None:
                    histogram = histograms[key] = TransitHistogram()
                histogram.add(days)
        await asyncio.sleep(0)  # the loop's turn: pages wait at most one chunk
    this_year = datetime.now().year
    await prepare_holidays(  # the years a shipment on its way now is counted in
        (calendar.country, year) for calendar in calendars.values() for year in (this_year, this_year + 1)
    )
    model = ShopModel(histograms, time.monotonic())
    _models[merchant_id] = model
    return model


async def refit(engine: AsyncEngine, merchant_id: int | None = None) -> int:
    """Refit one shop, or every shop already in memory (the scheduler's job); returns how many shops."""
    ids = [merchant_id] if merchant_id is not None else list(_models)
    async with reading(engine) as conn:
        for shop in ids:
            await fit(conn, shop)
    return len(ids)


def forget(merchant_id: int | None = None) -> None:
    if merchant_id is None:
        _models.clear()
    else:
        _models.pop(merchant_id, None)


_fits: dict[int, asyncio.Future[ShopModel]] = {}  # the fit under way per shop: every caller meanwhile waits for it


async def fit_once(engine: AsyncEngine, merchant_id: int) -> ShopModel:
    """Fit the shop's model, or wait for the fit already under way: concurrent first views of a shop whose model is
    missing cost one fit, not one each."""
    pending = _fits.get(merchant_id)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[ShopModel] = asyncio.get_running_loop().create_future()
    _fits[merchant_id] = future
    try:
        async with reading(engine) as conn:
            model = await fit(conn, merchant_id)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: the waiters re-raise it
        raise
    finally:
        _fits.pop(merchant_id, None)
    future.set_result(model)
    return model


def refit_soon(engine: AsyncEngine, merchant_id: int) -> None:
    """Refit the shop's model in the background unless a fit is under way (a page keeps showing the older model's
    windows meanwhile); a failure is logged and the next view past the model's time tries again."""
    if merchant_id in _fits:
        return

    async def run() -> None:
        try:
            await fit_once(engine, merchant_id)
        except Exception:
            log.exception("background refit of shop %s failed", merchant_id)

    task = asyncio.get_running_loop().create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()  # referenced until done


def is_stale(merchant_id: int) -> bool:
    """The shop's model in memory is past CACHE_SECONDS (still used up to STALE_SECONDS while it is refitted)."""
    model = _models.get(merchant_id)
    return model is not None and time.monotonic() - model.loaded_at > CACHE_SECONDS


class _Unfitted:
    """No model of the shop in memory, or one older than CACHE_SECONDS: `learned_window` fits it first."""

    def __repr__(self) -> str:
        return "UNFITTED"


UNFITTED = _Unfitted()


def known_window(
    *,
    merchant_id: int,
    carrier: str,
    service: str,
    origin: tuple[str, str],
    destination: tuple[str, str],
    shipped_on: date | None,
    today: date,
    status: str,
    stale_ok: bool = False,
) -> LearnedWindow | _Unfitted | None:
    """`learned_window` when the shop's model is in memory and fresh (or, with `stale_ok`, younger than
    STALE_SECONDS), at no database cost; UNFITTED otherwise."""
    if shipped_on is None or status in TERMINAL:
        return None
    model = _models.get(merchant_id)
    if model is None or time.monotonic() - model.loaded_at > (STALE_SECONDS if stale_ok else CACHE_SECONDS):
        return UNFITTED
    return model_window(model, carrier, service, origin, destination, shipped_on, today)


async def learned_window(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    carrier: str,
    service: str,
    origin: tuple[str, str],
    destination: tuple[str, str],
    shipped_on: date | None,
    today: date,
    status: str,
) -> LearnedWindow | None:
    """The window holding ~95 % of similar past deliveries that were still on their way after as many delivery days
    as this one has been; None before the first scan, after delivery, or without enough similar history."""
    if shipped_on is None or status in TERMINAL:
        return None
    model = _models.get(merchant_id)
    if model is None or time.monotonic() - model.loaded_at > CACHE_SECONDS:
        model = await fit(conn, merchant_id)
    return model_window(model, carrier, service, origin, destination, shipped_on, today)


def model_window(
    model: ShopModel,
    carrier: str,
    service: str,
    origin: tuple[str, str],
    destination: tuple[str, str],
    shipped_on: date,
    today: date,
) -> LearnedWindow | None:
    """The window of one shipment from `model`, memoized in the model (a refit or `forget` starts afresh): by its
    carrier, service, origin and destination regions, destination country (its calendar and country history),
    shipping day and today: all the window depends on."""
    memo_key = (carrier, service, region(*origin), region(*destination), destination[0], shipped_on, today)
    try:
        return model.windows[memo_key]
    except KeyError:
        pass
    found = _window(model, carrier, service, origin, destination, shipped_on, today)
    if len(model.windows) >= WINDOWS_PER_MODEL:
        model.windows.clear()
    model.windows[memo_key] = found
    return found


def _window(
    model: ShopModel,
    carrier: str,
    service: str,
    origin: tuple[str, str],
    destination: tuple[str, str],
    shipped_on: date,
    today: date,
) -> LearnedWindow | None:
    calendar = DeliveryCalendar(carrier, destination[0])
    elapsed = calendar.business_days_between(shipped_on, today)
    for key in keys(carrier, service, origin, destination):
        histogram = model.histograms.get(key)
        if histogram is None:
            continue
        window = model.spans.get((key, elapsed), NOT_KNOWN)
        if window is NOT_KNOWN:
            window = model.spans[(key, elapsed)] = (
                histogram.given_at_least(elapsed) if elapsed else histogram
            ).window()
        if window is None:
            continue
        low, high, share = window
        earliest = max(calendar.add_business_days(shipped_on, low), today)
        latest = max(calendar.add_business_days(shipped_on, high), earliest)
        return LearnedWindow(earliest, latest, round(share, 3), histogram.total)
    return None
