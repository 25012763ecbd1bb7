"""Rate limits: a caller's expected wait counts those queued ahead, and a chunk larger than the limit allows keeps
what was fetched and hands the rest back as rate-limited with its wait, instead of outlasting its claim's lease."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

import carriers.base
from app.tracking.apply import _error_row
from carriers.base import CarrierAccount
from carriers.dhl import Adapter
from carriers.ratelimit import TokenBucket
from carriers.result import ErrorKind, TrackResult
from tests.carriers.samples import sample
from tests.carriers.ups.scripted import ScriptedCarrier, reply, unique


async def test_expected_wait_counts_the_callers_queued_ahead() -> None:
    stopped = asyncio.Event()

    async def sleep_until_stopped(_seconds: float) -> None:
        await stopped.wait()

    bucket = TokenBucket(2, 1.0, clock=lambda: 100.0, sleep=sleep_until_stopped)  # 2 calls/s, a clock that stands
    assert bucket.expected_wait() == 0.0
    assert bucket.try_acquire() and bucket.try_acquire()
    assert bucket.expected_wait() == pytest.approx(0.5)  # the next token, half a second away
    waiting = [asyncio.create_task(bucket.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    assert bucket.expected_wait() == pytest.approx(2.0)  # three ahead, then this caller: 4 tokens at 2/s
    bucket.block_for(30)
    assert bucket.expected_wait() == pytest.approx(30.0)  # a pause longer than the queue
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    bucket.blocked_until = 0.0
    assert bucket.expected_wait() == pytest.approx(0.5)  # cancelled callers leave the queue


async def test_a_chunk_over_the_limit_keeps_what_it_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    # DHL asks one number per call; 4 calls/s and a 0.3 s cap on waiting let ~5 of 12 calls through.
    monkeypatch.setattr(Adapter, "rate_limit", (4, 1.0))
    monkeypatch.setattr(carriers.base, "MAX_THROTTLE_WAIT", 0.3)
    carrier = ScriptedCarrier(
        {"/track/shipments": [reply(200, body=sample("dhl", "track_shipments_parcel_de_delivered_real.json"))]}
    )
    account = CarrierAccount(carrier="dhl", credentials={"api_key": unique("key")}, options={"daily_quota": 1000})
    dhl = Adapter(account, carrier.client())
    numbers = [f"47080020493{i:02d}" for i in range(12)]
    results = await dhl.track(numbers)  # no exception: part of the chunk was fetched
    limited = [r for r in results if r.error is ErrorKind.RATE_LIMITED]
    fetched = [r for r in results if r.error is not ErrorKind.RATE_LIMITED]
    assert len(results) == 12 and 4 <= len(fetched) <= 6
    assert len(carrier.requests) == len(fetched)  # a limited number cost no call
    assert limited and all(r.retry_after is not None and r.retry_after > 0.3 for r in limited)
    assert {r.tracking_number for r in results} == set(numbers)


def test_a_rate_limited_shipment_is_asked_again_after_its_wait() -> None:
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    ship = SimpleNamespace(id=7, poll_failures=0, not_found_since=None, status="in_transit")
    result = TrackResult.failed("N1", ErrorKind.RATE_LIMITED, "limit reached", retry_after=5400.0)
    row = _error_row(ship, result, now, retry_after=None)
    assert row["next_poll_at"] >= now + timedelta(seconds=5400)
    assert row["status"] == "in_transit" and "rate_limited" in row["last_error"]
