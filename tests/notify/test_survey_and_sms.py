"""Shopper-facing links and SMS: cancellation survey with the shop's offer, feedback score and comment, open pixel,
click redirect (no open redirect), SMS through the fake Twilio with quiet hours, status callbacks, STOP/START."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.db import reading, writing
from app.models import MessageEvent, SaveOffer, Suppression, SurveyResponse, WebhookDelivery
from app.notify import links
from app.notify.dispatcher import dispatch_once
from app.notify.orders import on_order_cancelled
from app.tracking.poller import poll_once
from app.web.app import create_app
from carriers.sandbox.scenarios import make_number
from tests.factories import add_shipment, make_merchant, subscribe
from tests.notify.conftest import TWILIO_TOKEN, outbox_of, set_merchant, set_order
from tests.servers import serve

PHONE = "+14155552671"  # San Francisco
URL = re.compile(r"http://track\.test(/m/[^\s\"<]+)")


async def rows_of(engine, table) -> list:
    async with reading(engine) as conn:
        return list((await conn.execute(select(table.__table__))).all())


async def test_cancellation_save_flow_answers_with_the_shops_offer(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", clock.now))
    async with writing(runtime.engine) as conn:
        await conn.execute(
            SaveOffer.__table__.insert().values(
                merchant_id=merchant_id,
                reason="shipping_cost",
                kind="free_shipping",
                code="SHIPFREE",
                url="",
                message="",
            )
        )
    await set_order(runtime.engine, made.order_id, cancelled_at=clock.now)
    async with writing(runtime.engine) as conn:
        await on_order_cancelled(conn, order_id=made.order_id, now=clock.now)
    assert (await dispatch_once(runtime, now=clock.now)).outcomes == {"sent": 1}
    text = catcher.messages[0].part("plain")
    assert "Sorry to see you go" in str(catcher.messages[0].message["subject"])
    paths = {p.split("/")[4]: p for p in URL.findall(text) if p.startswith("/m/cancel/")}
    assert set(paths) == set(links.CANCEL_REASONS)
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as web:
        # A mail scanner opens every link of the message: opening them stores nothing and shows no offer.
        for path in paths.values():
            page = await web.get(path)
            assert page.status_code == 200 and "Send my answer" in page.text and "SHIPFREE" not in page.text
        assert await rows_of(runtime.engine, SurveyResponse) == []
        assert await rows_of(runtime.engine, MessageEvent) == []
        page = await web.post(paths["shipping_cost"])
        assert page.status_code == 200 and "SHIPFREE" in page.text and "Shipping cost too much" in page.text
        forged = paths["too_slow"].rsplit("/", 1)[0] + "/" + "0" * 32
        assert (await web.get(forged)).status_code == 404
        assert (await web.post(forged)).status_code == 404
        assert (await web.post(paths["too_slow"])).status_code == 200  # a second answer replaces the first
    [answer] = await rows_of(runtime.engine, SurveyResponse)
    assert (answer.kind, answer.value, answer.order_id) == ("cancel_reason", "too_slow", made.order_id)


async def test_feedback_score_comment_open_pixel_and_click_redirect(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, website_url="https://acme.example", feedback_days=1)
    await subscribe(runtime.engine, merchant_id, ["feedback.received"])  # the shop's systems subscribe to feedback
    start = clock.now
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", start))
    clock.now = start + timedelta(hours=58)
    await poll_once(runtime, now=clock.now)
    from app.notify.timed import run_timed_triggers

    assert await run_timed_triggers(runtime, clock.now + timedelta(days=1, hours=2)) == 1
    await dispatch_once(runtime, now=clock.now + timedelta(days=2))
    mail = next(m for m in catcher.messages if "How did we do" in str(m.message["subject"]))
    found = URL.findall(mail.part("html").replace("&amp;", "&"))
    score4 = next(p for p in found if p.startswith("/m/feedback/") and "/4/" in p)
    pixel = next(p for p in found if p.startswith("/m/open/"))
    shop_click = next(p for p in found if p.startswith("/m/click/"))
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as web:
        for score_link in (p for p in found if p.startswith("/m/feedback/")):  # what a mail scanner does
            confirm = await web.get(score_link)
            assert confirm.status_code == 200 and "Send my rating" in confirm.text
        assert await rows_of(runtime.engine, SurveyResponse) == []
        assert await rows_of(runtime.engine, WebhookDelivery) == []
        too_long = await web.post(score4, data={"comment": "x" * 2001})
        assert too_long.status_code == 422 and "comment: at most 2000 characters" in too_long.text
        assert "x" * 2001 in too_long.text  # what was typed is kept
        assert (await web.post(score4, data={"comment": "Fast, thanks"})).status_code == 200
        gif = await web.get(pixel)
        assert gif.headers["content-type"] == "image/gif"
        jump = await web.get(shop_click)
        assert jump.status_code == 302 and jump.headers["location"] == "https://acme.example"
        nid = shop_click.split("/")[3]
        evil = "https://evil.example/phish"
        signed_evil = links.click_url("", runtime.settings.secret_key, int(nid), evil)
        assert (await web.get(signed_evil)).status_code == 404  # signed, but not our site or the shop's
        tampered = shop_click.split("?")[0] + "?u=https%3A%2F%2Fevil.example"
        assert (await web.get(tampered)).status_code == 404
    [answer] = await rows_of(runtime.engine, SurveyResponse)
    assert (answer.kind, answer.rating, answer.comment) == ("feedback", 4, "Fast, thanks")
    kinds = sorted(e.kind for e in await rows_of(runtime.engine, MessageEvent))
    assert kinds == ["click", "click", "open"]
    assert made.order_id == answer.order_id
    deliveries = await rows_of(runtime.engine, WebhookDelivery)
    assert [d.event_type for d in deliveries] == ["feedback.received"]  # the rating with its comment, once
    newest = max(deliveries, key=lambda d: d.id).payload["data"]
    assert (newest["rating"], newest["comment"], newest["order_id"]) == (4, "Fast, thanks", made.order_id)


async def test_sms_waits_for_quiet_hours_then_sends_and_tracks_status_and_stop(runtime, clock, mailbox, twilio) -> None:
    start = clock.now
    sends_at = start + timedelta(hours=53)
    local = sends_at.astimezone(ZoneInfo("America/Los_Angeles"))  # the zone of the shopper's phone number
    # The sending window opens two hours after the poll, local time: the SMS must wait for it.
    opens = (local.replace(minute=0, second=0) + timedelta(hours=2)).astimezone(UTC)
    window = ((local.hour + 2) % 24 * 60, (local.hour + 14) % 24 * 60)
    merchant_id, _ = await make_merchant(
        runtime.engine, coalesce_minutes=0, quiet_hours_start=window[0], quiet_hours_end=window[1]
    )
    made = await add_shipment(
        runtime.engine, merchant_id, runtime.settings.secret_key, make_number("DL", start), customer={"phone": PHONE}
    )
    await set_order(runtime.engine, made.order_id, sms_opt_in=True, timezone="")
    clock.now = sends_at
    await poll_once(runtime, now=clock.now)
    report = await dispatch_once(runtime, now=clock.now)
    assert report.outcomes == {"deferred": 1} and twilio.state.messages == []
    [row] = [r for r in await outbox_of(runtime.engine, made.order_id) if r.channel == "sms"]
    assert row.state == "pending" and row.attempts == 0 and abs((row.next_attempt_at - opens).total_seconds()) < 2
    assert (await dispatch_once(runtime, now=opens - timedelta(minutes=5))).claimed == 0
    assert (await dispatch_once(runtime, now=opens + timedelta(seconds=2))).outcomes == {"sent": 1}
    [sms] = twilio.state.messages
    assert sms["to"] == PHONE and "out for delivery" in sms["body"] and len(sms["body"]) <= 160

    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as web:
        validator = RequestValidator(TWILIO_TOKEN)

        async def post(path: str, form: dict[str, str], *, good: bool = True) -> httpx.Response:
            signature = validator.compute_signature(f"http://track.test{path}", form) if good else "bad"
            return await web.post(path, data=form, headers={"X-Twilio-Signature": signature})

        status = {"MessageSid": sms["sid"], "MessageStatus": "delivered"}
        assert (await post("/m/sms/status", status, good=False)).status_code == 403
        assert (await post("/m/sms/status", status)).status_code == 204
        assert (await post("/m/sms/inbound", {"From": PHONE, "Body": "Stop"})).status_code == 200
        assert [(s.channel, s.recipient) for s in await rows_of(runtime.engine, Suppression)] == [("sms", PHONE)]
        help_reply = await post("/m/sms/inbound", {"From": PHONE, "Body": "HELP"})
        assert "<Message>" in help_reply.text
        await post("/m/sms/inbound", {"From": PHONE, "Body": "START"})
        assert await rows_of(runtime.engine, Suppression) == []
    assert [e.kind for e in await rows_of(runtime.engine, MessageEvent)] == ["delivered"]


async def test_opted_out_recipient_gets_nothing_and_daily_cap_defers(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=0)
    await set_merchant(runtime.engine, merchant_id, daily_message_cap=1)
    key = runtime.settings.secret_key
    start = clock.now
    first = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", start, 1), order_number="A")
    second = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", start, 2), order_number="B")
    third = await add_shipment(runtime.engine, merchant_id, key, make_number("DL", start, 3), order_number="C")
    await set_order(runtime.engine, third.order_id, customer_email="gone@example.com")
    async with writing(runtime.engine) as conn:
        await conn.execute(
            Suppression.__table__.insert().values(
                merchant_id=merchant_id,
                channel="email",
                recipient="gone@example.com",
                reason="unsubscribe",
                created_at=start,
            )
        )
    clock.now = start + timedelta(hours=11)
    await poll_once(runtime, now=clock.now)
    report = await dispatch_once(runtime, now=clock.now)
    assert report.outcomes == {"sent": 1, "deferred": 1, "failed": 1}
    assert [m.recipients for m in catcher.messages] == [["alex@example.com"]]
    rows = {r.order_id: r for o in (first, second, third) for r in await outbox_of(runtime.engine, o.order_id)}
    assert rows[third.order_id].state == "failed" and "opted out" in rows[third.order_id].last_error
    deferred = next(r for r in rows.values() if r.state == "pending")
    assert deferred.next_attempt_at > clock.now and deferred.attempts == 0
