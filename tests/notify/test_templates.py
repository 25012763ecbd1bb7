"""Every trigger × channel × language renders from the defaults, translated; merchant overrides render in the
sandbox, and a broken one falls back to the default and records its error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import reading, writing
from app.i18n import SUPPORTED
from app.models import TemplateOverride
from app.notify.dispatcher import dispatch_once
from app.notify.rules import TRIGGERS, allowed
from app.notify.samples import sample_context
from app.tracking.poller import poll_once
from carriers.sandbox.scenarios import make_number
from notifications.render import render_email, render_sms
from notifications.sms_text import is_gsm7, length_units
from tests.factories import SAMPLE_SHOP, add_shipment, make_merchant

SHOP = SAMPLE_SHOP


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_trigger_renders_in_every_language(locale: str) -> None:
    english = {t: render_email(t, sample_context(t, "en", SHOP, base_url="http://x.test"), "en") for t in TRIGGERS}
    for trigger in TRIGGERS:
        ctx = sample_context(trigger, locale, SHOP, base_url="http://x.test")
        mail = render_email(trigger, ctx, locale)
        assert mail.subject and "Acme" in mail.subject and "#1042" in mail.subject
        assert "http://x.test/t/" in mail.text or trigger in ("order_cancelled", "feedback_request")
        if locale != "en":  # really translated, not English with a different date
            assert mail.subject != english[trigger].subject, (locale, trigger)
        if allowed(trigger, "sms"):
            text = render_sms(trigger, ctx, locale, ucs2_limit=134)
            assert text.endswith(ctx["tracking_url"])
            assert length_units(text) <= (160 if is_gsm7(text) else 134), (locale, trigger, text)
    assert "Hi Alex" in english["shipped"].text


async def test_override_is_used_and_a_broken_one_falls_back_with_its_error_stored(runtime, clock, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, coalesce_minutes=0)
    key = runtime.settings.secret_key
    start = clock.now
    await add_shipment(runtime.engine, merchant_id, key, make_number("DL", start))
    async with writing(runtime.engine) as conn:
        await conn.execute(
            TemplateOverride.__table__.insert(),
            [
                {
                    "merchant_id": merchant_id,
                    "trigger": "shipped",
                    "channel": "email",
                    "locale": "en",
                    "audience": "first",
                    "subject": "Off it goes, {{ first_name }}!",
                    "body": "Order {{ order.number }} left today.\n\nTrack: {{ tracking_url }}",
                    "updated_at": start,
                },
                {
                    "merchant_id": merchant_id,
                    "trigger": "out_for_delivery",
                    "channel": "email",
                    "locale": "en",
                    "audience": "any",
                    "subject": "{{ shop.name.__class__.__mro__ }}",
                    "body": "{{ nothing_here.missing }}",
                    "updated_at": start,
                },
            ],
        )
    clock.now = start + timedelta(hours=11)
    await poll_once(runtime, now=clock.now)
    await dispatch_once(runtime, now=clock.now)
    clock.now = start + timedelta(hours=53)
    await poll_once(runtime, now=clock.now)
    assert (await dispatch_once(runtime, now=clock.now)).outcomes == {"sent": 1}
    first, second = catcher.messages
    assert str(first.message["subject"]) == "Off it goes, Alex!"
    assert "Order 1001 left today." in first.part("plain") and "Order 1001 left today.</p>" in first.part("html")
    assert str(second.message["subject"]).startswith("Your order is out for delivery")  # the default
    async with reading(runtime.engine) as conn:
        rows = {r.trigger: r for r in await conn.execute(select(TemplateOverride.__table__))}
    assert rows["shipped"].last_error == ""
    assert "Undefined" in rows["out_for_delivery"].last_error or "unsafe" in rows["out_for_delivery"].last_error
    assert rows["out_for_delivery"].last_error_at is not None
