"""Notification settings over HTTP: switches, timing and senders, save offers; each saved and re-read, errors
name the field and keep what was typed, staff read only, CSRF enforced, merchant text inert."""

from __future__ import annotations

import html

from sqlalchemy import select

from app.db import reading
from app.models import Merchant, SaveOffer
from app.notify.rules import CHANNELS, TRIGGERS, allowed, load_switches
from tests.console_support import sign_in
from tests.factories import make_merchant

SETTINGS = {
    "not_shipped_days": "5",
    "delay_hours": "48",
    "feedback_days": "7",
    "coalesce_minutes": "15",
    "quiet_hours_start": "09:30",
    "quiet_hours_end": "20:00",
    "daily_message_cap": "500",
    "sender_name": "Maison Plume",
    "reply_to": "help@plume.example",
    "sms_from_number": "+33 6 12 34 56 78",
}


async def _merchant(engine, merchant_id: int):  # type: ignore[no-untyped-def]
    async with reading(engine) as conn:
        table = Merchant.__table__
        return (await conn.execute(select(table).where(table.c.id == merchant_id))).one()


async def _offers(engine, merchant_id: int) -> dict[str, tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    table = SaveOffer.__table__
    async with reading(engine) as conn:
        rows = await conn.execute(select(table).where(table.c.merchant_id == merchant_id))
        return {r.reason: (r.kind, r.code, r.url, r.message) for r in rows}


async def test_switches_are_saved_for_every_allowed_pair_and_shown_again(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    page = await client.get("/console/notifications")
    assert page.status_code == 200
    for trigger in TRIGGERS:
        assert f'name="{trigger}.email"' in page.text
    assert 'name="order_cancelled.sms"' not in page.text  # never by SMS: no switch offered
    on = {"order_confirmed.email": "on", "delivered.sms": "on", "order_cancelled.sms": "on"}
    saved = await client.post("/console/notifications/switches", data={**on, "csrf_token": csrf})
    assert saved.status_code == 303
    async with reading(runtime.engine) as conn:
        switches = (await load_switches(conn, [merchant_id]))[merchant_id]
    enabled = {(t, c) for t in TRIGGERS for c in CHANNELS if switches.enabled(t, c)}
    assert enabled == {("order_confirmed", "email"), ("delivered", "sms")}
    assert len(switches.explicit) == sum(allowed(t, c) for t in TRIGGERS for c in CHANNELS)
    again = await client.get("/console/notifications")
    assert 'name="order_confirmed.email" aria-label="Order confirmed · email" checked' in again.text
    assert 'name="shipped.email" aria-label="Shipped · email" checked' not in again.text


async def test_timing_and_sender_settings_are_saved_and_re_read(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    saved = await client.post("/console/notifications/settings", data={**SETTINGS, "csrf_token": csrf})
    assert saved.status_code == 303, saved.text[-1500:]
    shop = await _merchant(runtime.engine, merchant_id)
    assert (shop.not_shipped_days, shop.delay_hours, shop.feedback_days, shop.coalesce_minutes) == (5, 48, 7, 15)
    assert (shop.quiet_hours_start, shop.quiet_hours_end, shop.daily_message_cap) == (570, 1200, 500)
    assert (shop.sender_name, shop.reply_to, shop.sms_from_number) == (
        "Maison Plume",
        "help@plume.example",
        "+33612345678",
    )
    page = await client.get("/console/notifications")
    assert 'value="09:30"' in page.text and 'value="+33612345678"' in page.text


async def test_settings_errors_name_the_field_keep_the_input_and_save_nothing(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    bad = {
        **SETTINGS,
        "reply_to": "not-an-address",
        "quiet_hours_start": "25:00",
        "delay_hours": "lots",
        "sms_from_number": "0612345678",
        "sender_name": "Kept Name",
    }
    answer = await client.post("/console/notifications/settings", data={**bad, "csrf_token": csrf})
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Reply-to address: An email address must have an @-sign." in text
    assert "SMS allowed from (HH:MM): must be a time of day as HH:MM" in text
    assert "Delayed when no scan for (hours): must be a whole number from 6 to 720" in text
    assert "SMS sender number (E.164): must be in international E.164 form" in text
    for typed in ("not-an-address", "25:00", "lots", "0612345678", "Kept Name"):
        assert f'value="{typed}"' in answer.text
    shop = await _merchant(runtime.engine, merchant_id)
    assert (shop.reply_to, shop.sender_name, shop.delay_hours) == ("", "", 72)
    same = {**SETTINGS, "quiet_hours_end": "09:30"}
    answer = await client.post("/console/notifications/settings", data={**same, "csrf_token": csrf})
    assert answer.status_code == 400 and "must differ from the start" in answer.text


async def test_save_offers_are_saved_re_read_and_validated(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    offers = {
        "shipping_cost.kind": "free_shipping",
        "shipping_cost.message": "Shipping is on us",
        "found_cheaper.kind": "discount",
        "found_cheaper.code": "SAVE10",
        "too_slow.kind": "contact",
        "too_slow.url": "https://plume.example/contact",
    }
    saved = await client.post("/console/notifications/offers", data={**offers, "csrf_token": csrf})
    assert saved.status_code == 303, saved.text[-1500:]
    assert await _offers(runtime.engine, merchant_id) == {
        "shipping_cost": ("free_shipping", "", "", "Shipping is on us"),
        "found_cheaper": ("discount", "SAVE10", "", ""),
        "too_slow": ("contact", "", "https://plume.example/contact", ""),
    }
    page = await client.get("/console/notifications")
    assert 'value="SAVE10"' in page.text and 'value="https://plume.example/contact"' in page.text

    bad = {**offers, "too_slow.url": "http://plume.example/contact", "found_cheaper.code": "", "other.kind": "gift"}
    answer = await client.post("/console/notifications/offers", data={**bad, "csrf_token": csrf})
    assert answer.status_code == 400
    assert "Link (https): must start with https://" in answer.text
    assert "Code: is required for a discount offer" in answer.text
    assert "Offer: is not one of the offered choices" in answer.text
    assert 'value="http://plume.example/contact"' in answer.text and 'value="Shipping is on us"' in answer.text
    assert (await _offers(runtime.engine, merchant_id))["found_cheaper"][1] == "SAVE10"  # nothing changed


async def test_staff_can_read_but_not_change(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id, role="staff")
    page = await client.get("/console/notifications")
    assert page.status_code == 200 and "Only the shop's owner can change these settings." in html.unescape(page.text)
    for path, data in (
        ("/console/notifications/settings", SETTINGS),
        ("/console/notifications/switches", {"order_confirmed.email": "on"}),
        ("/console/notifications/offers", {"other.kind": "contact", "other.url": "https://x.example"}),
    ):
        answer = await client.post(path, data={**data, "csrf_token": csrf})
        assert answer.status_code == 403, path
    shop = await _merchant(runtime.engine, merchant_id)
    assert shop.sender_name == "" and await _offers(runtime.engine, merchant_id) == {}


async def test_a_form_without_the_csrf_token_is_refused(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    await sign_in(client, runtime.engine, merchant_id)
    answer = await client.post("/console/notifications/settings", data=SETTINGS)
    assert answer.status_code == 403
    assert (await _merchant(runtime.engine, merchant_id)).sender_name == ""


async def test_offer_message_with_markup_is_shown_inert(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    data = {"other.kind": "contact", "other.url": "https://plume.example/c", "other.message": payload}
    assert (await client.post("/console/notifications/offers", data={**data, "csrf_token": csrf})).status_code == 303
    page = await client.get("/console/notifications")
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_the_page_speaks_french(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {"locale": "fr", "next": "/console/notifications", "csrf_token": csrf}
    await client.post("/console/language", data=data)
    page = await client.get("/console/notifications")
    text = html.unescape(page.text)
    assert "Quels messages sont envoyés" in text and "Demande d'avis" in text and "jamais par SMS" in text
