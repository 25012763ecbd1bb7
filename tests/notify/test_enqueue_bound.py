"""The outbox INSERT bound at the driver stores exactly what Core's executemany stores, and reads only what it needs
of an order (ownership, holdout, cancellation, recipients)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import writing
from app.models import Notification
from app.notify.enqueue import Candidate, _row, queue
from carriers.sandbox.scenarios import make_number
from tests.conftest import make_settings
from tests.factories import add_shipment, make_merchant
from tests.notify.conftest import set_order

COLUMNS = [c.name for c in Notification.__table__.c if c.name not in ("id", "dedupe_key")]


async def raw_outbox(engine: AsyncEngine) -> dict[str, tuple[Any, ...]]:
    """Every outbox row as the driver returns it (no type processing), by dedupe key."""
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    async with writing(engine) as conn:
        result = await conn.exec_driver_sql(f'SELECT dedupe_key, {names} FROM notification ORDER BY "id"')
        return {row[0]: tuple(row[1:]) for row in result}


async def test_queued_rows_equal_core_inserted_rows(engine: AsyncEngine) -> None:
    secret = make_settings().secret_key
    merchant_id, _ = await make_merchant(engine, coalesce_minutes=0)
    made = await add_shipment(engine, merchant_id, secret, make_number("DL", datetime.now(UTC)))
    await set_order(engine, made.order_id, sms_opt_in=True, customer_phone="+14155552671", country="US")
    now = datetime(2026, 11, 22, 21, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    context = {"status": "out_for_delivery", "description": "Zürich « dépôt »", "nested": [1, None, True], "n": 2.5}
    candidates = [
        Candidate(merchant_id, made.order_id, "out_for_delivery", f"s{made.shipment_id}", made.shipment_id, context),
        Candidate(merchant_id, made.order_id, "order_cancelled", f"o{made.order_id}", None, {}),
    ]
    async with writing(engine) as conn:
        offered = await queue(conn, candidates, now)
    by_driver = await raw_outbox(engine)
    assert offered == len(by_driver) == 3  # email and SMS for the milestone, email for the cancellation

    # The same rows through Core, under other dedupe keys.
    core_rows = []
    for candidate in candidates:
        for channel, to in (("email", "alex@example.com"), ("sms", "+14155552671")):
            row = _row(candidate, channel, to, now)
            if row["dedupe_key"] in by_driver:
                core_rows.append({**row, "dedupe_key": "core:" + row["dedupe_key"]})
    async with writing(engine) as conn:
        await conn.execute(insert(Notification.__table__), core_rows)
    stored = await raw_outbox(engine)
    assert len(stored) == 6
    for key, values in by_driver.items():
        assert stored["core:" + key] == values
    assert {v[COLUMNS.index("recipient")] for v in by_driver.values()} == {"alex@example.com", "+14155552671"}


async def test_holdout_and_cancelled_orders_get_only_what_they_may(engine: AsyncEngine) -> None:
    secret = make_settings().secret_key
    merchant_id, _ = await make_merchant(engine, coalesce_minutes=0)
    held = await add_shipment(engine, merchant_id, secret, make_number("DL", datetime.now(UTC)), order_number="7")
    gone = await add_shipment(engine, merchant_id, secret, make_number("OD", datetime.now(UTC)), order_number="8")
    await set_order(engine, held.order_id, holdout=True)
    await set_order(engine, gone.order_id, cancelled_at=datetime.now(UTC))
    now = datetime.now(UTC)
    candidates = [
        Candidate(merchant_id, held.order_id, "delivered", f"s{held.shipment_id}", held.shipment_id),
        Candidate(merchant_id, held.order_id, "order_cancelled", f"o{held.order_id}"),
        Candidate(merchant_id, gone.order_id, "delivered", f"s{gone.shipment_id}", gone.shipment_id),
        Candidate(merchant_id, gone.order_id, "order_cancelled", f"o{gone.order_id}"),
    ]
    async with writing(engine) as conn:
        await queue(conn, candidates, now)
    keys = set(await raw_outbox(engine))
    # Holdout: transactional messages only; cancelled: only the cancellation.
    assert keys == {f"o{held.order_id}:order_cancelled:email", f"o{gone.order_id}:order_cancelled:email"}


async def test_recent_milestones_are_found_through_the_order_index(engine: AsyncEngine) -> None:
    """On SQLite the (state, next_attempt_at) index would make every batch walk every pending and sent message."""
    from app.notify.enqueue import recent_query
    from app.tracking.idlist import ids_param

    if engine.dialect.name != "sqlite":
        return  # PostgreSQL chooses by its statistics
    keys = {"ids": ids_param(engine.dialect, [1, 2]), "since": datetime(2026, 1, 1, tzinfo=UTC)}
    expanded = recent_query(engine.dialect).compile(dialect=engine.dialect).construct_expanded_state(keys)
    values = tuple(expanded.parameters[name] for name in expanded.positiontup or ())
    async with writing(engine) as conn:
        plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {expanded.statement}", values)).all()
    steps = " | ".join(row[3] for row in plan)
    assert "ix_notification_order_id" in steps and "ix_notification_due" not in steps, steps
