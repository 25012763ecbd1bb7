"""SMTP faults: a message waits while the server is down and is delivered exactly once when it is back."""

from __future__ import annotations

from datetime import timedelta

from app.notify.dispatcher import dispatch_once
from app.tracking.poller import poll_once
from carriers.sandbox.scenarios import make_number
from notifications.channels.email import SmtpEmailChannel
from notifications.mail_catcher import MailCatcher, start_smtp
from tests.factories import add_shipment, make_merchant, notifications_of
from tests.servers import free_port


async def test_email_waits_for_smtp_and_is_sent_exactly_once(runtime, clock) -> None:
    port = free_port()  # nothing listens here yet: the SMTP server is down
    await runtime.channels["email"].close()
    runtime.channels["email"] = SmtpEmailChannel("127.0.0.1", port, connections=2, timeout=5)
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    clock.now += timedelta(hours=11)
    await poll_once(runtime, now=clock.now)

    report = await dispatch_once(runtime, now=clock.now)
    assert report.outcomes == {"retry": 1}
    [row] = await notifications_of(runtime.engine, made.shipment_id)
    assert row.state == "pending" and row.attempts == 1 and "unreachable" in row.last_error
    assert row.next_attempt_at > clock.now
    assert (await dispatch_once(runtime, now=clock.now)).claimed == 0  # not before its retry time

    catcher = MailCatcher()
    server = await start_smtp(catcher, "127.0.0.1", port)
    try:
        clock.now = row.next_attempt_at
        assert (await dispatch_once(runtime, now=clock.now)).outcomes == {"sent": 1}
        assert (await dispatch_once(runtime, now=clock.now + timedelta(hours=1))).claimed == 0
    finally:
        server.close()
        await server.wait_closed()
    assert len(catcher.messages) == 1
    [row] = await notifications_of(runtime.engine, made.shipment_id)
    assert row.state == "sent" and row.attempts == 2 and row.sent_at is not None
    assert row.provider_id == str(catcher.messages[0].message["Message-ID"])


async def test_permanent_refusal_is_not_retried(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(
        runtime.engine,
        merchant_id,
        runtime.settings.secret_key,
        make_number("DL", clock.now),
        customer={"name": "Bo", "email": "bo@example.com"},
    )
    clock.now += timedelta(hours=11)
    await poll_once(runtime, now=clock.now)
    from sqlalchemy import update

    from app.db import writing
    from app.models import Notification

    async with writing(runtime.engine) as conn:  # an address the channel itself refuses
        await conn.execute(update(Notification.__table__).values(recipient="not an address"))
    assert (await dispatch_once(runtime, now=clock.now)).outcomes == {"failed": 1}
    [row] = await notifications_of(runtime.engine, made.shipment_id)
    assert row.state == "failed" and "invalid recipient" in row.last_error
    assert (await dispatch_once(runtime, now=clock.now + timedelta(days=1))).claimed == 0
    assert len(catcher.messages) == 0


async def test_dispatcher_that_died_mid_send_resends_after_lease(runtime, clock, mailbox) -> None:
    from app.notify import outbox

    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    clock.now += timedelta(hours=11)
    await poll_once(runtime, now=clock.now)
    claimed = await outbox.claim(runtime.engine, now=clock.now, limit=10)  # ... and the process dies here
    assert len(claimed) == 1
    assert (await dispatch_once(runtime, now=clock.now + timedelta(minutes=1))).claimed == 0  # still leased
    report = await dispatch_once(runtime, now=clock.now + outbox.LEASE + timedelta(seconds=1))
    assert report.outcomes == {"sent": 1}
    [row] = await notifications_of(runtime.engine, made.shipment_id)
    assert row.state == "sent" and row.attempts == 2
    assert len(catcher.messages) == 1
