"""The poll-sweep benchmark's sweep on a few hundred shipments: every shipment polled exactly once, events stored."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from app.db import reading
from app.models import Notification, Shipment, TrackingEvent
from app.runtime import Runtime
from bench.fake_carrier import FakeCarrier
from bench.poll_sweep import RSS_GROWTH_LIMIT_MB, Row, SweepResult, events_expected, plan, seed, sweep
from carriers.http import make_client
from tests.conftest import make_settings
from tests.servers import serve

COUNT = 300


async def sandbox_stats(base_url: str) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        return dict((await client.get(f"{base_url}/_control/stats")).json())


async def stored_state(engine) -> tuple[dict[str, int], Counter[str], int, int]:
    sh, ev = Shipment.__table__.c, TrackingEvent.__table__.c
    async with reading(engine) as conn:
        events = dict(
            (
                await conn.execute(
                    select(sh.tracking_number, func.count(ev.id))
                    .join_from(Shipment, TrackingEvent)
                    .group_by(sh.tracking_number)
                )
            ).all()
        )
        statuses = Counter(dict((await conn.execute(select(sh.status, func.count()).group_by(sh.status))).all()))
        leased = await conn.scalar(select(func.count()).where(sh.lease_until.is_not(None)))
        outbox = await conn.scalar(select(func.count()).select_from(Notification.__table__))
    return events, statuses, int(leased or 0), int(outbox or 0)


async def test_sweep_polls_every_shipment_once_and_stores_its_events(engine, clock, sandbox_url) -> None:
    now = clock.now = clock.now.replace(second=0)
    await seed(engine, COUNT, now)
    before, _, _, _ = await stored_state(engine)
    rt = Runtime(
        settings=make_settings(sandbox_carrier_url=sandbox_url, poll_batch_size=40), engine=engine, http=make_client()
    )
    try:
        result = await sweep(rt, now=now, pollers=2)
    finally:
        await rt.http.aclose()

    assert result.shipments == COUNT and result.errors == {}
    polled = [done for done, _ in result.rss_marks]  # one mark per tick, as the shipments polled grow
    assert polled == sorted(set(polled)) and len(polled) == result.ticks
    assert result.rss_marks[-1][0] == COUNT and all(rss > 0 for _, rss in result.rss_marks)
    assert result.max_claimed <= 40  # ticks of claimed batches, never every shipment at once
    stats = await sandbox_stats(sandbox_url)
    assert stats["numbers"] == COUNT  # each number asked for exactly once: nothing polled twice or skipped
    events, statuses, leased, outbox = await stored_state(engine)
    for item in (plan(i, now) for i in range(COUNT)):
        assert events[item.number] == events_expected(item, now) == before[item.number] + 1, item.number
    assert leased == 0 and result.status_changes > 0 and outbox == result.notifications > 0
    assert statuses["pending"] == 0 and {"delivered", "out_for_delivery", "in_transit"} <= set(statuses)
    # Nothing is due any more: a second sweep at the same moment finds no work.
    again = Runtime(settings=rt.settings, engine=engine, http=make_client())
    try:
        assert (await sweep(again, now=now)).shipments == 0
    finally:
        await again.http.aclose()


def test_memory_verdict_reads_growth_after_the_first_quarter_of_the_sweep() -> None:
    """A cache that fills during the first ticks is flat memory; growth that goes on with the shipments is not."""
    filled = SweepResult(shipments=1000, rss_marks=[(250, 105.0), (500, 105.2), (750, 105.4), (1000, 105.5)])
    growing = SweepResult(shipments=1000, rss_marks=[(250, 101.0), (500, 102.5), (750, 104.0), (1000, 105.5)])
    rows = [
        Row("http", "sqlite", 50, found, None, None, None, 0.0, (100.0, 106.0, 100.0, found.rss_marks[-1][1]))  # type: ignore[arg-type]
        for found in (filled, growing)
    ]
    assert rows[0].rss_growth == rows[1].rss_growth > RSS_GROWTH_LIMIT_MB
    assert rows[0].steady_growth == pytest.approx(0.5) and rows[1].steady_growth == pytest.approx(4.5)
    assert rows[0].steady_growth <= RSS_GROWTH_LIMIT_MB < rows[1].steady_growth


async def test_fake_carrier_answers_like_the_sandbox(clock, sandbox_url) -> None:
    now = clock.now.replace(second=0)
    clock.now = now
    numbers = [plan(i, now).number for i in range(48)] + ["SBNF29000000001", "NOT-A-NUMBER"]
    body = {"tracking_numbers": numbers}
    headers = {"Authorization": "Bearer test-sandbox-key"}
    async with serve(FakeCarrier(api_key="test-sandbox-key", now=now)) as fake, httpx.AsyncClient() as client:
        expected = (await client.post(f"{sandbox_url}/v1/track", json=body, headers=headers)).json()
        answered = await client.post(f"{fake}/v1/track", json=body, headers=headers)
        refused = await client.post(f"{fake}/v1/track", json=body, headers={"Authorization": "Bearer wrong"})
    assert answered.status_code == 200 and answered.json() == expected
    assert refused.status_code == 401
