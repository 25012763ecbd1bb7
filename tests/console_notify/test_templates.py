"""Template overrides over HTTP: preview through the engine's sandbox with sample data, broken templates refused
with their error, save/re-read/delete, last_error shown, test-send to the real SMTP catcher, SMS without a
channel, another shop's override → 404, markup inert."""

from __future__ import annotations

import html
import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update

from app.db import reading, writing
from app.models import TemplateOverride
from notifications.channels.sms import TwilioSmsChannel
from notifications.fake_twilio import create_fake_twilio_app
from tests.console_support import sign_in
from tests.factories import make_merchant
from tests.servers import serve

KEY = {"trigger": "shipped", "channel": "email", "locale": "en", "audience": "any"}
BODY = "Hello {{ first_name }}, order {{ order.number }} is with {{ carrier_name }}."


async def _overrides(engine, merchant_id: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    table = TemplateOverride.__table__
    async with reading(engine) as conn:
        return list((await conn.execute(select(table).where(table.c.merchant_id == merchant_id))).all())


async def test_preview_renders_the_draft_with_sample_data_and_saves_nothing(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "subject": "On its way, {{ first_name }}", "body": BODY, "action": "preview", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data=form)
    assert answer.status_code == 200, answer.text[-1500:]
    text = html.unescape(answer.text)
    assert "Hello Alex, order 1042 is with UPS." in text
    assert '<span id="preview-subject">On its way, Alex</span>' in answer.text
    assert 'id="preview-email"' in answer.text
    assert await _overrides(runtime.engine, merchant_id) == []


async def test_sms_preview_is_the_fitted_single_line(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "channel": "sms", "body": "Hi {{ first_name }}!\n\nTrack: {{ tracking_url }}", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data={**form, "action": "preview"})
    assert answer.status_code == 200
    assert "Hi Alex! Track: http://track.test/t/" in html.unescape(answer.text)
    assert 'name="subject"' not in answer.text  # SMS has no subject


async def test_a_broken_template_shows_its_error_keeps_the_text_and_is_not_saved(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    for body, error in (
        ("Hi {{ first_name", "TemplateSyntaxError"),
        ("{{ first_name.__class__.__mro__ }}", "SecurityError"),
        ("{{ no_such_value }}", "UndefinedError"),
    ):
        form = {**KEY, "body": body, "action": "save", "csrf_token": csrf}
        answer = await client.post("/console/notifications/template", data=form)
        assert answer.status_code == 400, body
        assert 'id="template-error"' in answer.text and error in answer.text, body
        assert html.escape(body, quote=False) in answer.text
    assert await _overrides(runtime.engine, merchant_id) == []
    form = {**KEY, "locale": "xx", "body": "", "action": "save", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data=form)
    assert answer.status_code == 400 and "Language: is not one of the offered choices" in answer.text


async def test_save_re_read_last_error_shown_and_delete(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "locale": "fr", "audience": "first", "subject": "Parti !", "body": BODY, "csrf_token": csrf}
    saved = await client.post("/console/notifications/template", data={**form, "action": "save"})
    assert saved.status_code == 303
    [row] = await _overrides(runtime.engine, merchant_id)
    assert (row.trigger, row.channel, row.locale, row.audience, row.subject, row.body) == (
        "shipped",
        "email",
        "fr",
        "first",
        "Parti !",
        BODY,
    )
    async with writing(runtime.engine) as conn:
        table = TemplateOverride.__table__
        values = {"last_error": "UndefinedError: 'x' is undefined", "last_error_at": datetime.now(UTC)}
        await conn.execute(update(table).where(table.c.id == row.id).values(**values))
    editor = await client.get(saved.headers["location"])
    assert editor.status_code == 200 and 'id="saved"' in editor.text
    assert html.escape(BODY, quote=False) in editor.text and 'value="Parti !"' in editor.text
    assert "UndefinedError: 'x' is undefined" in html.unescape(editor.text)
    listing = await client.get("/console/notifications")
    assert "is undefined" in listing.text and f"/templates/{row.id}/delete" in listing.text
    # Saving again replaces the text and clears the error.
    await client.post("/console/notifications/template", data={**form, "body": "Bonjour", "action": "save"})
    [again] = await _overrides(runtime.engine, merchant_id)
    assert (again.id, again.body, again.last_error) == (row.id, "Bonjour", "")
    gone = await client.post(f"/console/notifications/templates/{row.id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303 and await _overrides(runtime.engine, merchant_id) == []


async def test_another_shops_override_cannot_be_deleted(client, runtime) -> None:
    other_id, _ = await make_merchant(runtime.engine, slug="other")
    async with writing(runtime.engine) as conn:
        await conn.execute(TemplateOverride.__table__.insert().values(merchant_id=other_id, **KEY, body="Theirs"))
    [theirs] = await _overrides(runtime.engine, other_id)
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    answer = await client.post(f"/console/notifications/templates/{theirs.id}/delete", data={"csrf_token": csrf})
    assert answer.status_code == 404
    assert len(await _overrides(runtime.engine, other_id)) == 1
    editor = await client.get("/console/notifications/template", params=KEY)
    assert "Theirs" not in editor.text


async def test_test_send_arrives_at_the_signed_in_users_address(client, runtime, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "subject": "Test {{ order.number }}", "body": BODY, "action": "test", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data=form)
    assert answer.status_code == 200, answer.text[-1500:]
    [mail] = list(catcher.messages)
    assert len(mail.recipients) == 1 and mail.recipients[0].startswith("owner-")
    assert mail.recipients[0] in answer.text and 'id="sent"' in answer.text
    message = mail.message
    assert message["Subject"] == "[Test] Test 1042"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Alex, order 1042 is with UPS." in text
    assert await _overrides(runtime.engine, merchant_id) == []


async def test_sms_test_send_without_an_sms_channel_says_so(client, runtime) -> None:
    assert "sms" not in runtime.channels
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "channel": "sms", "body": "Hi {{ first_name }}", "phone": "+33612345678", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data={**form, "action": "test"})
    assert answer.status_code == 400 and "SMS is not configured on this installation" in answer.text


async def test_staff_cannot_save_templates_and_csrf_is_required(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id, role="staff")
    form = {**KEY, "body": BODY, "action": "save"}
    assert (await client.post("/console/notifications/template", data={**form, "csrf_token": csrf})).status_code == 403
    editor = await client.get("/console/notifications/template", params=KEY)
    assert editor.status_code == 200 and 'value="save"' not in editor.text
    assert (await client.post("/console/notifications/template", data=form)).status_code == 403
    assert await _overrides(runtime.engine, merchant_id) == []


async def test_markup_in_a_template_is_inert_in_the_console(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)> {{ first_name }}"
    form = {**KEY, "subject": "<b>x</b>", "body": payload, "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data={**form, "action": "preview"})
    assert answer.status_code == 200
    assert "<script>alert(1)" not in answer.text and "<img src=x" not in answer.text and "<b>x</b>" not in answer.text
    await client.post("/console/notifications/template", data={**form, "action": "save"})
    editor = await client.get("/console/notifications/template", params=KEY)
    assert "<script>alert(1)" not in editor.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in editor.text


async def test_sms_test_send_goes_through_the_twilio_channel_to_the_typed_number(client, runtime) -> None:
    sid = "AC" + secrets.token_hex(16)
    fake = create_fake_twilio_app(sid, "console-token")
    async with serve(fake) as twilio:
        runtime.channels["sms"] = TwilioSmsChannel(sid, "console-token", "+15005550006", api_base_url=twilio)
        merchant_id, _ = await make_merchant(runtime.engine)
        csrf = await sign_in(client, runtime.engine, merchant_id)
        form = {**KEY, "channel": "sms", "body": "Hi {{ first_name }}, order {{ order.number }}", "csrf_token": csrf}
        wrong = await client.post("/console/notifications/template", data={**form, "phone": "06 12", "action": "test"})
        assert wrong.status_code == 400 and "Phone number: must be in international E.164 form" in wrong.text
        assert 'value="06 12"' in wrong.text
        sent = await client.post(
            "/console/notifications/template", data={**form, "phone": "+1 415 555 2671", "action": "test"}
        )
        assert sent.status_code == 200, sent.text[-1500:]
        assert "Test message sent to +14155552671." in sent.text
        [logged] = fake.state.fake.messages
        assert (logged["to"], logged["body"]) == ("+14155552671", "Hi Alex, order 1042")
        await fake.state.fake.drain()


async def test_email_preview_frame_keeps_its_styles_under_the_page_nonce(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = {**KEY, "body": BODY, "action": "preview", "csrf_token": csrf}
    answer = await client.post("/console/notifications/template", data=form)
    nonce = answer.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    frame = html.unescape(answer.text.split('id="preview-email" srcdoc="')[1].split('"></iframe>')[0])
    assert f'<style nonce="{nonce}">' in frame and "Hello Alex, order 1042 is with UPS." in frame
