"""A shipment's first movement is recorded once: learned delivery windows count transit from it."""

from __future__ import annotations

from datetime import timedelta

from app.tracking.poller import poll_once
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, events_of, make_merchant, shipment_row


async def test_first_carrier_movement_sets_shipped_at_once(runtime, clock) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    start = clock.now
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", start))
    clock.now = start + timedelta(minutes=1)
    await poll_once(runtime, now=clock.now)
    assert (await shipment_row(runtime.engine, made.shipment_id)).shipped_at is None  # label only so far
    clock.now = start + timedelta(hours=30)
    await poll_once(runtime, now=clock.now + timedelta(hours=1))
    row = await shipment_row(runtime.engine, made.shipment_id)
    moving = [
        e.occurred_at
        for e in await events_of(runtime.engine, made.shipment_id)
        if e.status not in ("pending", "info_received")
    ]
    assert row.status not in ("pending", "info_received")
    assert row.shipped_at == min(moving)
    first = row.shipped_at
    clock.now = start + timedelta(hours=80)
    await poll_once(runtime, now=clock.now + timedelta(hours=2))
    assert (await shipment_row(runtime.engine, made.shipment_id)).shipped_at == first
