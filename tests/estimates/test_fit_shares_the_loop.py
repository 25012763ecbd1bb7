"""A shop's fit shares the event loop with the pages its process serves: the history is grouped a chunk at a time
with the loop handed back between chunks, and holiday calendars not built yet are built in a worker thread."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading
from app.estimates import calendar, forget, learned
from tests.estimates.test_learned_window import deliveries, window
from tests.factories import make_merchant


@pytest.fixture(autouse=True)
def fresh_models() -> AsyncIterator[None]:
    forget()
    yield
    forget()


class OtherPage:
    """A task standing for the other pages of the process: it counts the turns the loop gives it."""

    def __init__(self) -> None:
        self.turns = 0
        self.done = asyncio.Event()

    async def run(self) -> None:
        while not self.done.is_set():
            self.turns += 1
            await asyncio.sleep(0)


async def fit_beside(engine: AsyncEngine, shop: int, other: OtherPage | None = None) -> learned.ShopModel:
    """Fit the shop while `other` runs on the same loop."""
    other = other or OtherPage()
    task = asyncio.create_task(other.run())
    async with reading(engine) as conn:
        model = await learned.fit(conn, shop)
    other.done.set()
    await task
    return model


async def test_the_loop_runs_other_tasks_between_chunks(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 12, 3: 18})  # 30 delivered shipments
    monkeypatch.setattr(learned, "FIT_CHUNK", 5)
    other = OtherPage()
    turns_seen: list[int] = []  # the other task's turns so far, as each shipment is counted
    real_add = learned.TransitHistogram.add

    def add(self: learned.TransitHistogram, days: int) -> None:
        turns_seen.append(other.turns)
        real_add(self, days)

    monkeypatch.setattr(learned.TransitHistogram, "add", add)
    model = await fit_beside(engine, shop, other)
    assert len(turns_seen) == 30 * 4  # every shipment counted under its four keys, none lost between chunks
    per_chunk = 5 * 4
    chunks = [turns_seen[i : i + per_chunk] for i in range(0, len(turns_seen), per_chunk)]
    assert all(len(set(chunk)) == 1 for chunk in chunks)  # a chunk is grouped without a break
    assert all(a[0] < b[0] for a, b in itertools.pairwise(chunks))  # the other task ran between chunks
    route = next(k for k in model.histograms if k[0] == "route")
    assert dict(model.histograms[route].counts) == {2: 12, 3: 18}


async def test_the_same_model_whatever_the_chunk(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 10, 3: 370, 4: 20})
    whole = await fit_beside(engine, shop)
    monkeypatch.setattr(learned, "FIT_CHUNK", 7)
    chunked = await fit_beside(engine, shop)
    assert {k: dict(h.counts) for k, h in chunked.histograms.items()} == {
        k: dict(h.counts) for k, h in whole.histograms.items()
    }
    found = await window(engine, shop)
    assert found is not None and found.confidence == 0.975


async def test_holidays_not_built_yet_are_built_off_the_loop(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _ = await make_merchant(engine, "shop-a")
    await deliveries(engine, shop, {2: 30})  # shipped and delivered in October 2026, into France
    built_on: dict[tuple[str, int], int] = {}
    real = calendar._holidays.__wrapped__

    def recorded(country: str, year: int) -> frozenset:  # type: ignore[type-arg]
        built_on[(country, year)] = threading.get_ident()
        return real(country, year)

    monkeypatch.setattr(calendar, "_holidays", calendar.lru_cache(maxsize=256)(recorded))
    monkeypatch.setattr(calendar, "_known", set())
    await fit_beside(engine, shop)
    assert ("FR", 2026) in built_on
    assert threading.get_ident() not in built_on.values()  # every year built in a worker thread
    assert ("FR", 2026) in calendar._known
    before = dict(built_on)
    await fit_beside(engine, shop)  # a refit: nothing left to build
    assert built_on == before


async def test_prepare_holidays_skips_what_is_known_and_countryless_calendars(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[list[tuple[str, int]]] = []
    monkeypatch.setattr(calendar, "_compute", computed.append)
    monkeypatch.setattr(calendar, "_known", {("FR", 2026)})
    await calendar.prepare_holidays([("FR", 2026), ("", 2026), ("DE", 2026), ("DE", 2026), ("DE", 2027)])
    assert computed == [[("DE", 2026), ("DE", 2027)]]
    computed.clear()
    await calendar.prepare_holidays([("FR", 2026), ("", 2025)])
    assert computed == []
