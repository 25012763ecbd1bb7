"""A polled batch is written in shipment-id order, whatever order it was claimed in; each shipment's new events keep
the carrier's order."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import reading
from app.models import Order, Shipment, TrackingEvent
from app.tracking.apply import apply_results
from app.tracking.claim import CLAIMED_COLUMNS
from carriers.result import TrackEvent, TrackResult
from carriers.status import Status
from tests.factories import add_shipment, make_merchant

SH, ORD, EV = Shipment.__table__, Order.__table__, TrackingEvent.__table__


def scan(time: datetime, code: str, description: str, location: str) -> TrackEvent:
    return TrackEvent(
        time=time, status=Status.IN_TRANSIT, carrier_code=code, description=description, location=location
    )


async def test_batch_claimed_out_of_order_is_written_by_shipment_id(runtime, clock) -> None:
    engine = runtime.engine
    merchant_id, _ = await make_merchant(engine)
    made = [
        await add_shipment(engine, merchant_id, runtime.settings.secret_key, f"ORDER{n}TEST", order_number=f"10{n}")
        for n in range(3)
    ]
    ids = [m.shipment_id for m in made]
    async with reading(engine) as conn:
        query = select(*CLAIMED_COLUMNS).join(ORD, ORD.c.id == SH.c.order_id).where(SH.c.id.in_(ids))
        rows = sorted((await conn.execute(query)).all(), key=lambda row: row.id, reverse=True)  # as if due last first

    at = clock.now
    # The carrier lists scans newest first; the second scan of each number is older than the first.
    results = [
        TrackResult(
            tracking_number=row.tracking_number,
            status=Status.IN_TRANSIT,
            events=[
                scan(at - timedelta(hours=1), "T", "Sorted", "Lyon"),
                scan(at - timedelta(hours=5), "P", "Received", "Paris"),
            ],
        )
        for row in rows
    ]
    report = await apply_results(engine, carrier="sandbox", shipments=rows, results=results, now=at)

    assert report.new_events == 6 and report.errors == {}
    async with reading(engine) as conn:
        stored = (await conn.execute(select(EV.c.shipment_id, EV.c.carrier_code).order_by(EV.c.id))).all()
        updated = (await conn.execute(select(SH.c.id, SH.c.status).where(SH.c.id.in_(ids)))).all()
    # Inserted by shipment id (rows claimed in the opposite order), each shipment's scans as the carrier listed them.
    assert [tuple(r) for r in stored] == [(i, code) for i in sorted(ids) for code in ("T", "P")]
    assert {status for _, status in updated} == {"in_transit"}
