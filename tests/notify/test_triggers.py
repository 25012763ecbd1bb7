"""Status, order and time triggers: one message per change, switches, holdout, consent, coalescing, split orders."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.db import writing
from app.models import NotificationRule, Shipment
from app.notify.dispatcher import dispatch_once
from app.notify.orders import on_order_cancelled, on_order_created
from app.notify.timed import run_timed_triggers
from app.tracking.poller import poll_once
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, make_merchant
from tests.notify.conftest import outbox_of, set_order

PHONE = "+14155552671"


def at(clock, start, hours: float):
    """Move the shared clock (the sandbox carrier's too) to `hours` after `start`."""
    clock.now = start + timedelta(hours=hours)
    return clock.now


def subjects(catcher) -> list[str]:
    return [str(m.message["subject"]).split(" ·")[0] for m in catcher.messages]


async def test_each_milestone_sends_once_per_change_never_per_scan(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=0)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    start = clock.now
    for hours in (11, 23, 31, 53, 58, 70):  # several scans per status
        await poll_once(runtime, now=at(clock, start, hours))
        await dispatch_once(runtime, now=clock.now)
    triggers = [r.trigger for r in await outbox_of(runtime.engine, made.order_id)]
    assert triggers == ["shipped", "out_for_delivery", "delivered"]
    assert subjects(catcher) == [
        "Your order is on its way",
        "Your order is out for delivery",
        "Your order has been delivered",
    ]


async def test_burst_within_window_coalesces_into_one_message(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=600)
    start = clock.now
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", start))
    await poll_once(runtime, now=at(clock, start, 11))
    await dispatch_once(runtime, now=at(clock, start, 11))  # shipped goes out at once (leading edge)
    await poll_once(runtime, now=at(clock, start, 53))  # out for delivery: > 10 h later, not held
    await poll_once(runtime, now=at(clock, start, 58))  # delivered before the OFD row was sent
    rows = await outbox_of(runtime.engine, made.order_id)
    assert [(r.trigger, r.state) for r in rows] == [
        ("shipped", "sent"),
        ("out_for_delivery", "superseded"),
        ("delivered", "pending"),
    ]
    await dispatch_once(runtime, now=at(clock, start, 58))
    assert subjects(catcher) == ["Your order is on its way", "Your order has been delivered"]


async def test_change_soon_after_a_sent_one_waits_for_the_window(runtime, clock, mailbox) -> None:
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=600)
    start = clock.now
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", start))
    await poll_once(runtime, now=at(clock, start, 53))
    assert (await dispatch_once(runtime, now=at(clock, start, 53))).outcomes == {"sent": 1}
    await poll_once(runtime, now=at(clock, start, 58))
    delivered = (await outbox_of(runtime.engine, made.order_id))[-1]
    assert delivered.trigger == "delivered" and delivered.next_attempt_at >= start + timedelta(hours=63)
    assert (await dispatch_once(runtime, now=at(clock, start, 58))).claimed == 0


async def test_split_order_gets_one_shipped_message(runtime, clock, mailbox) -> None:
    start = clock.now
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    key = runtime.settings.secret_key
    first = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", clock.now, 1))
    await add_shipment(runtime.engine, merchant_id, key, make_number("DL", clock.now, 2))
    await poll_once(runtime, now=at(clock, start, 11))
    await dispatch_once(runtime, now=at(clock, start, 11))
    assert [r.trigger for r in await outbox_of(runtime.engine, first.order_id)] == ["shipped"]
    assert len(catcher.messages) == 1


async def test_switches_holdout_and_sms_consent(runtime, clock, mailbox) -> None:
    start = clock.now
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=0)
    key = runtime.settings.secret_key
    async with writing(runtime.engine) as conn:
        await conn.execute(
            NotificationRule.__table__.insert(),
            [{"merchant_id": merchant_id, "trigger": "delivered", "channel": "email", "enabled": False}],
        )
    texted = await add_shipment(
        runtime.engine, merchant_id, key, make_number("DL", clock.now, 1), order_number="T1", customer={"phone": PHONE}
    )
    await set_order(runtime.engine, texted.order_id, sms_opt_in=True, customer_email="t@example.com")
    unconsented = await add_shipment(
        runtime.engine, merchant_id, key, make_number("DL", clock.now, 2), order_number="T2", customer={"phone": PHONE}
    )
    holdout = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", clock.now, 3), order_number="T3")
    await set_order(runtime.engine, holdout.order_id, holdout=True)
    for hours in (11, 53, 58):
        await poll_once(runtime, now=at(clock, start, hours))
    got = {(r.trigger, r.channel) for r in await outbox_of(runtime.engine, texted.order_id)}
    # SMS by default only for out_for_delivery / delivered (here); delivered email switched off.
    expected = {("shipped", "email"), ("out_for_delivery", "email"), ("out_for_delivery", "sms"), ("delivered", "sms")}
    assert got == expected
    assert {r.channel for r in await outbox_of(runtime.engine, unconsented.order_id)} == set()  # no email given
    assert await outbox_of(runtime.engine, holdout.order_id) == []
    async with writing(runtime.engine) as conn:  # transactional messages still reach holdout orders
        assert await on_order_cancelled(conn, order_id=holdout.order_id, now=clock.now) == 1
    assert [r.trigger for r in await outbox_of(runtime.engine, holdout.order_id)] == ["order_cancelled"]


async def test_order_confirmed_is_off_by_default_and_on_by_rule(runtime, clock, mailbox) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    async with writing(runtime.engine) as conn:
        assert await on_order_created(conn, order_id=made.order_id, now=clock.now) == 0
        await conn.execute(
            NotificationRule.__table__.insert().values(
                merchant_id=merchant_id, trigger="order_confirmed", channel="email", enabled=True
            )
        )
        assert await on_order_created(conn, order_id=made.order_id, now=clock.now) == 1
        await on_order_created(conn, order_id=made.order_id, now=clock.now)  # same dedupe key: nothing new
    assert [r.trigger for r in await outbox_of(runtime.engine, made.order_id)] == ["order_confirmed"]


async def test_timed_triggers_fire_once_each(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, not_shipped_days=2, delay_hours=24, feedback_days=3)
    key = runtime.settings.secret_key
    start = clock.now
    stuck_label = await add_shipment(runtime.engine, merchant_id, key, make_number("LB", start, 1), order_number="L")
    stalled = await add_shipment(runtime.engine, merchant_id, key, make_number("ST", start, 2), order_number="S")
    arrived = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", start, 3), order_number="D")
    await set_order(runtime.engine, stuck_label.order_id, placed_at=start)
    now = at(clock, start, 30)
    await poll_once(runtime, now=now)
    await run_timed_triggers(runtime, now)
    assert await outbox_of(runtime.engine, stuck_label.order_id) == []  # not yet 2 days
    now = at(clock, start, 60)
    await poll_once(runtime, now=now)
    async with writing(runtime.engine) as conn:  # the carrier moved its estimate
        await conn.execute(
            update(Shipment.__table__)
            .where(Shipment.__table__.c.id == arrived.shipment_id)
            .values(estimate_latest=(start + timedelta(days=9)).date(), status="in_transit", updated_at=now)
        )
    assert await run_timed_triggers(runtime, now) >= 3
    assert await run_timed_triggers(runtime, now + timedelta(minutes=1)) == 0
    assert [r.trigger for r in await outbox_of(runtime.engine, stuck_label.order_id)] == ["not_shipped"]
    assert "delayed" in [r.trigger for r in await outbox_of(runtime.engine, stalled.order_id)]
    assert "estimate_changed" in [r.trigger for r in await outbox_of(runtime.engine, arrived.order_id)]
    async with writing(runtime.engine) as conn:
        await conn.execute(
            update(Shipment.__table__)
            .where(Shipment.__table__.c.id == arrived.shipment_id)
            .values(status="delivered", delivered_at=now)
        )
    assert "feedback_request" not in [r.trigger for r in await outbox_of(runtime.engine, arrived.order_id)]
    later = now + timedelta(days=3, hours=1)
    await run_timed_triggers(runtime, later)
    assert "feedback_request" in [r.trigger for r in await outbox_of(runtime.engine, arrived.order_id)]
    await dispatch_once(runtime, now=later)
    texts = {str(m.message["subject"]).split(" ·")[0]: m for m in catcher.messages}
    assert {"Your order has not shipped yet", "Your order is running late", "How did we do?"} <= set(texts)
    assert "/m/feedback/" in texts["How did we do?"].part("plain")


async def test_first_order_gets_welcome_and_returning_a_thank_you(runtime, clock, mailbox) -> None:
    start = clock.now
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=0)
    key = runtime.settings.secret_key
    first = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", clock.now, 1), order_number="F")
    again = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", clock.now, 2), order_number="R")
    await set_order(runtime.engine, again.order_id, first_order=False, customer_email="r@example.com")
    await poll_once(runtime, now=at(clock, start, 11))
    await dispatch_once(runtime, now=at(clock, start, 11))
    by_to = {m.recipients[0]: m.part("plain") for m in catcher.messages}
    assert "This is your first order with Acme Shop" in by_to["alex@example.com"]
    assert "Welcome back" in by_to["r@example.com"] and first.order_id != again.order_id
