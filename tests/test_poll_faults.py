"""Carrier faults: 500, 429 and garbage leave the shipment's data intact and it is polled again later."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.tracking.poller import poll_once
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, events_of, make_merchant, notifications_of, shipment_row


async def queue_fault(sandbox_url: str, mode: str, **extra: object) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox_url}/_control/faults", json={"mode": mode, "count": 1, **extra})
        response.raise_for_status()


async def in_transit_shipment(runtime, clock) -> int:
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    clock.now += timedelta(hours=11)
    assert (await poll_once(runtime, now=clock.now)).status_changes == 1
    return made.shipment_id


@pytest.mark.parametrize("mode", ["500", "garbage", "truncated", "html"])
async def test_bad_carrier_reply_keeps_state_and_retries_later(runtime, clock, sandbox_url, mode) -> None:
    shipment_id = await in_transit_shipment(runtime, clock)
    before = await shipment_row(runtime.engine, shipment_id)
    events_before = len(await events_of(runtime.engine, shipment_id))

    clock.now += timedelta(hours=42)  # 53 sandbox hours in: the carrier now says out for delivery
    await queue_fault(sandbox_url, mode)
    report = await poll_once(runtime, now=clock.now)
    expected = "unavailable" if mode == "500" else "bad_response"
    assert report.errors == {expected: 1}

    after = await shipment_row(runtime.engine, shipment_id)
    assert after.status == "in_transit" and after.last_event_at == before.last_event_at
    assert len(await events_of(runtime.engine, shipment_id)) == events_before
    assert after.poll_failures == 1 and after.last_error.startswith(expected)
    assert clock.now < after.next_poll_at <= clock.now + timedelta(minutes=2)
    assert [n.trigger for n in await notifications_of(runtime.engine, shipment_id)] == ["shipped"]

    clock.now = after.next_poll_at  # the fault is over: the next due poll catches up
    report = await poll_once(runtime, now=clock.now)
    assert report.errors == {}
    recovered = await shipment_row(runtime.engine, shipment_id)
    assert recovered.status == "out_for_delivery" and recovered.poll_failures == 0 and recovered.last_error == ""
    assert len(await events_of(runtime.engine, shipment_id)) > events_before


async def test_rate_limited_poll_waits_for_retry_after(runtime, clock, sandbox_url) -> None:
    shipment_id = await in_transit_shipment(runtime, clock)
    clock.now = (await shipment_row(runtime.engine, shipment_id)).next_poll_at
    await queue_fault(sandbox_url, "429", retry_after=900)
    assert (await poll_once(runtime, now=clock.now)).errors == {"rate_limited": 1}
    after = await shipment_row(runtime.engine, shipment_id)
    assert after.next_poll_at >= clock.now + timedelta(seconds=900)
    assert after.status == "in_transit" and after.last_error.startswith("rate_limited")
    assert after.poll_failures == 0  # slowing down is not a carrier failure
    # Not due before Retry-After has passed.
    assert (await poll_once(runtime, now=clock.now + timedelta(seconds=899))).claimed == 0
    assert (await poll_once(runtime, now=after.next_poll_at)).errors == {}


async def test_being_rate_limited_does_not_grow_the_failure_backoff(runtime, clock, sandbox_url) -> None:
    """Two carrier errors in a row, then the carrier asks to slow down: the next poll comes once its wait is over
    (not after the hours a third consecutive failure would add), and the error count is still two."""
    shipment_id = await in_transit_shipment(runtime, clock)
    for expected_failures in (1, 2):
        clock.now = (await shipment_row(runtime.engine, shipment_id)).next_poll_at
        await queue_fault(sandbox_url, "500")
        assert (await poll_once(runtime, now=clock.now)).errors == {"unavailable": 1}
        assert (await shipment_row(runtime.engine, shipment_id)).poll_failures == expected_failures
    clock.now = (await shipment_row(runtime.engine, shipment_id)).next_poll_at
    await queue_fault(sandbox_url, "429", retry_after=30)
    assert (await poll_once(runtime, now=clock.now)).errors == {"rate_limited": 1}
    limited = await shipment_row(runtime.engine, shipment_id)
    assert limited.poll_failures == 2
    assert clock.now + timedelta(seconds=30) <= limited.next_poll_at <= clock.now + timedelta(minutes=2)
    clock.now = limited.next_poll_at
    assert (await poll_once(runtime, now=clock.now)).errors == {}
    assert (await shipment_row(runtime.engine, shipment_id)).poll_failures == 0


async def test_unknown_number_is_soft_and_keeps_being_polled(runtime, clock) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("NF", clock.now))
    clock.now += timedelta(minutes=1)
    for _ in range(3):
        report = await poll_once(runtime, now=clock.now)
        assert report.errors == {"not_found": 1}
        row = await shipment_row(runtime.engine, made.shipment_id)
        assert row.status == "pending" and row.next_poll_at > clock.now and row.poll_failures == 0
        clock.now = row.next_poll_at
    assert row.not_found_since is not None
    # After two weeks of "not found" the shipment expires instead of being polled forever; it is never dropped.
    clock.now = row.not_found_since + timedelta(days=15)
    await poll_once(runtime, now=clock.now)
    expired = await shipment_row(runtime.engine, made.shipment_id)
    assert expired.status == "expired" and expired.next_poll_at is None


async def test_wrong_api_key_is_an_auth_error_not_a_crash(runtime, clock) -> None:
    runtime.settings = runtime.settings.model_copy(update={"sandbox_api_key": "wrong"})
    runtime.forget_adapters()
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    clock.now += timedelta(minutes=1)
    assert (await poll_once(runtime, now=clock.now)).errors == {"auth": 1}
    row = await shipment_row(runtime.engine, made.shipment_id)
    assert row.status == "pending" and "refused the API key" in row.last_error


async def due_shipments(runtime, clock, count: int) -> None:
    """`count` new shipments of one shop, then a minute later: all due."""
    merchant_id, _ = await make_merchant(runtime.engine)
    for serial in range(count):
        number = make_number("DL", clock.now, serial)
        await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, number, order_number=f"o{serial}")
    clock.now += timedelta(minutes=1)


async def test_two_pollers_never_claim_the_same_shipment(runtime, clock) -> None:
    from app.tracking.claim import claim_due

    await due_shipments(runtime, clock, 30)
    first = await claim_due(runtime.engine, now=clock.now, limit=20)
    second = await claim_due(runtime.engine, now=clock.now, limit=20)
    assert len(first) == 20 and len(second) == 10
    assert not {r.id for r in first} & {r.id for r in second}
    assert await claim_due(runtime.engine, now=clock.now, limit=20) == []


async def due_at(runtime, ages: dict[int, timedelta], now) -> list[int]:
    """Make the shipments at these positions (in row order) due `age` ago; a negative age is not due yet."""
    from sqlalchemy import select, update

    from app.models import Shipment

    table = Shipment.__table__
    async with runtime.engine.begin() as conn:
        ids = list((await conn.execute(select(table.c.id).order_by(table.c.id))).scalars())
        for position, age in ages.items():
            await conn.execute(update(table).where(table.c.id == ids[position]).values(next_poll_at=now - age))
    return ids


async def test_a_chunk_is_the_most_overdue_shipment_and_its_due_neighbours_in_row_order(runtime, clock) -> None:
    from app.tracking.claim import claim_due

    await due_shipments(runtime, clock, 40)  # all due a minute ago
    minute = timedelta(minutes=1)
    ids = await due_at(runtime, {20: 10 * minute, 5: 5 * minute, 30: 4 * minute, 22: -minute}, clock.now)
    # The most overdue (row 20), then the due rows after it; row 22 is not due yet.
    first = await claim_due(runtime.engine, now=clock.now, limit=5)
    assert sorted(r.id for r in first) == [ids[20], ids[21], ids[23], ids[24], ids[25]]
    # The next chunk starts at the most overdue of the rest (row 5) and runs on in row order.
    second = await claim_due(runtime.engine, now=clock.now, limit=5)
    assert sorted(r.id for r in second) == [ids[5], ids[6], ids[7], ids[8], ids[9]]


async def test_a_chunk_without_enough_due_neighbours_takes_the_most_overdue_of_the_rest(runtime, clock) -> None:
    from app.tracking.claim import claim_due

    await due_shipments(runtime, clock, 40)
    minute = timedelta(minutes=1)
    not_due = {position: -minute for position in range(21, 30)}
    ids = await due_at(runtime, {**not_due, 20: 10 * minute, 5: 5 * minute, 30: 4 * minute, 10: 3 * minute}, clock.now)
    # Nothing due follows row 20 within its neighbourhood (2 ids a shipment here: rows 21-27), so the rest of the
    # chunk is the most overdue elsewhere.
    claimed = await claim_due(runtime.engine, now=clock.now, limit=4, neighbourhood=2)
    assert {r.id for r in claimed} == {ids[20], ids[5], ids[30], ids[10]}


async def test_a_dead_pollers_shipments_are_due_again_when_its_lease_runs_out(runtime, clock) -> None:
    from app.tracking.claim import LEASE, claim_due

    await due_shipments(runtime, clock, 3)
    claimed = await claim_due(runtime.engine, now=clock.now, limit=10)
    assert len(claimed) == 3
    leased = await shipment_row(runtime.engine, claimed[0].id)
    # The lease is its own column: the schedule stays as it was (and so does every index holding it).
    assert leased.lease_until == clock.now + LEASE and leased.next_poll_at < clock.now
    # The poller dies without writing: nobody takes them while leased, anyone may once the lease has run out.
    assert await claim_due(runtime.engine, now=clock.now + LEASE - timedelta(seconds=1), limit=10) == []
    again = await claim_due(runtime.engine, now=clock.now + LEASE, limit=10)
    assert sorted(r.id for r in again) == sorted(r.id for r in claimed)


async def test_slow_carrier_times_out_and_keeps_state(runtime, clock, sandbox_url) -> None:
    from carriers.http import make_client

    shipment_id = await in_transit_shipment(runtime, clock)
    await runtime.http.aclose()
    runtime.http = make_client(read_timeout=0.3)
    runtime.forget_adapters()
    clock.now = (await shipment_row(runtime.engine, shipment_id)).next_poll_at
    await queue_fault(sandbox_url, "slow", delay=2)
    assert (await poll_once(runtime, now=clock.now)).errors == {"unavailable": 1}
    row = await shipment_row(runtime.engine, shipment_id)
    assert row.status == "in_transit" and "timed out" in row.last_error and row.next_poll_at > clock.now


async def test_a_reply_with_nothing_new_only_moves_the_schedule(runtime, clock) -> None:
    shipment_id = await in_transit_shipment(runtime, clock)
    before = await shipment_row(runtime.engine, shipment_id)
    events_before = len(await events_of(runtime.engine, shipment_id))

    # 11 h in (last scan at 10 h, the next at 22 h): due again after ~3 h, when the carrier repeats what it said.
    clock.now = before.next_poll_at + timedelta(minutes=1)
    report = await poll_once(runtime, now=clock.now)
    after = await shipment_row(runtime.engine, shipment_id)
    assert report.claimed == 1 and report.errors == {} and report.status_changes == 0
    assert after.next_poll_at > clock.now and after.lease_until is None
    assert after.updated_at == before.updated_at  # nothing about the shipment changed
    unchanged = ("status", "substatus", "last_event_at", "estimate_earliest", "estimate_latest", "status_changed_at")
    assert all(getattr(after, name) == getattr(before, name) for name in unchanged)
    assert len(await events_of(runtime.engine, shipment_id)) == events_before
