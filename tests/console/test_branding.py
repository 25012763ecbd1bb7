"""Branding page over HTTP: every field saved, errors name the field and keep what was typed, previews render the
real templates with unsaved values, hostile logos refused, text fields inert everywhere they are shown."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.db import reading
from app.models import Merchant
from tests.console_support import sign_in
from tests.factories import make_merchant

GOOD = {
    "name": "Maison Plume",
    "slug": "maison-plume",
    "website_url": "https://plume.example",
    "primary_color": "#7A2E1F",
    "accent_color": "#f5a623",
    "font": "serif",
    "support_email": "help@plume.example",
    "support_phone": "+33 1 23 45 67 89",
    "support_url": "https://plume.example/help",
    "support_chat_url": "https://plume.example/chat",
    "return_policy_url": "https://plume.example/returns",
    "announcement": "Free returns until May",
    "default_locale": "fr",
    "timezone": "Europe/Paris",
    "custom_domain": "Track.Plume.example",
    "frame_ancestors": "https://plume.example",
    "link_label_0": "Shop",
    "link_url_0": "https://plume.example/shop",
    "recommendations_enabled": "on",
    "holdout_percent": "10",
    "attribution_days": "14",
    "action": "save",
}


async def _merchant(engine, merchant_id: int):  # type: ignore[no-untyped-def]
    async with reading(engine) as conn:
        table = Merchant.__table__
        return (await conn.execute(select(table).where(table.c.id == merchant_id))).one()


async def test_every_branding_field_is_saved(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    page = await client.get("/console/branding")
    assert page.status_code == 200 and 'id="preview-page"' in page.text
    saved = await client.post("/console/branding", data={**GOOD, "csrf_token": csrf})
    assert saved.status_code == 303, saved.text[-2000:]
    shop = await _merchant(runtime.engine, merchant_id)
    assert (shop.name, shop.slug, shop.primary_color, shop.font) == ("Maison Plume", "maison-plume", "#7a2e1f", "serif")
    assert shop.custom_domain == "track.plume.example" and shop.frame_ancestors == "https://plume.example"
    assert shop.header_links == [{"label": "Shop", "url": "https://plume.example/shop"}]
    assert shop.recommendations_enabled is True and shop.bought_together_enabled is False
    assert (shop.holdout_percent, shop.attribution_days, shop.default_locale) == (10, 14, "fr")
    assert shop.timezone == "Europe/Paris" and shop.support_chat_url == "https://plume.example/chat"


async def test_bad_fields_are_named_and_nothing_typed_is_lost(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    await make_merchant(runtime.engine, slug="taken")
    csrf = await sign_in(client, runtime.engine, merchant_id)
    bad = {
        **GOOD,
        "primary_color": "red",
        "website_url": "javascript:alert(1)",
        "support_email": "nope",
        "timezone": "Mars/Olympus",
        "holdout_percent": "80",
        "frame_ancestors": "http://insecure.example",
        "link_url_1": "https://x.example",
        "csrf_token": csrf,
    }
    answer = await client.post("/console/branding", data=bad)
    assert answer.status_code == 400
    for message in (
        "Main colour: must be a colour in #rrggbb form",
        "Website: must be a full web address",
        "Support email:",
        "Time zone: is not one of the offered choices",
        "Holdout share: must be from 0 to 50",
        "is not an https origin",
        "Link 2: needs both a label and an address",
    ):
        assert message in html.unescape(answer.text), message
    assert 'value="Maison Plume"' in answer.text and 'value="red"' in answer.text and "Mars/Olympus" in answer.text
    assert (await _merchant(runtime.engine, merchant_id)).name == "Acme Shop"  # nothing saved
    clash = await client.post("/console/branding", data={**GOOD, "slug": "taken", "csrf_token": csrf})
    assert clash.status_code == 400 and "is already used by another shop" in clash.text


async def test_preview_uses_unsaved_values_without_saving(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {**GOOD, "announcement": "Preview only banner", "action": "preview", "csrf_token": csrf}
    answer = await client.post("/console/branding", data=data)
    assert answer.status_code == 200
    frames = re.findall(r'srcdoc="([^"]*)"', answer.text)
    page, email = (html.unescape(f) for f in frames)
    assert "Preview only banner" in page and "#7a2e1f" in page and "Maison Plume" in page
    assert "Maison Plume" in email and "#7a2e1f" in email
    assert (await _merchant(runtime.engine, merchant_id)).announcement == ""
    live = await client.get("/console/branding/preview/email", params={**GOOD, "name": "Live Name"})
    assert live.status_code == 200 and "Live Name" in live.text


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


async def test_text_fields_are_inert_in_console_previews_page_and_email(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {**GOOD, "name": "Shop " + XSS, "announcement": XSS, "link_label_0": "L<b>x", "csrf_token": csrf}
    saved = await client.post("/console/branding", data=data)
    assert saved.status_code == 303
    page = await client.get("/console/branding")
    assert "<script>alert(1)</script>" not in page.text and "onerror=alert(2)>" not in page.text
    for frame in re.findall(r'srcdoc="([^"]*)"', page.text):
        inner = html.unescape(frame)  # what the frame's document parses
        assert "<script>alert(1)" not in inner and "<img src=x" not in inner and "&lt;script&gt;" in inner


async def test_payloads_saved_in_the_console_are_inert_on_the_tracking_page_and_in_the_sent_email(
    client, runtime
) -> None:
    from types import SimpleNamespace

    from app.notify import compose
    from tests.factories import add_shipment

    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {
        **GOOD,
        "name": "Shop " + XSS,
        "announcement": XSS,
        "link_label_0": "<svg onload=alert(3)>",
        "csrf_token": csrf,
    }
    assert (await client.post("/console/branding", data=data)).status_code == 303
    made = await add_shipment(runtime.engine, merchant_id, runtime.settings.secret_key, "SBDL29000000123")
    page = await client.get(f"/t/{made.token}")
    assert page.status_code == 200
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload"):
        assert raw not in page.text, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    shop = await _merchant(runtime.engine, merchant_id)
    row = SimpleNamespace(id=1, merchant_id=merchant_id, order_id=made.order_id, shipment_id=made.shipment_id,
                          trigger="shipped", channel="email", recipient="alex@example.com", dedupe_key="x",
                          context={})  # fmt: skip
    loaded = await compose.load(runtime.engine, [row])
    assert loaded.merchants[merchant_id].name == shop.name
    spec = compose.email_spec(row, compose.context(row, loaded, runtime.settings), loaded, runtime.settings)
    for raw in ("<script>alert(1)", "<img src=x"):
        assert raw not in spec.html, raw
    assert "&lt;script&gt;" in spec.html and "<script>alert(1)</script>" in spec.text  # plain text stays plain


async def test_payloads_in_checked_fields_are_refused_by_name(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    checked = {
        "slug": "Short name in links",
        "website_url": "Website",
        "primary_color": "Main colour",
        "accent_color": "Accent colour",
        "support_email": "Support email",
        "support_phone": "Support phone",
        "support_url": "Help centre address",
        "support_chat_url": "Chat address",
        "return_policy_url": "Return policy address",
        "custom_domain": "Custom domain",
        "frame_ancestors": "Sites allowed to embed the page",
        "link_url_0": "Link 1",
        "font": "Font",
        "default_locale": "Default language",
        "timezone": "Time zone",
    }
    for field, label in checked.items():
        payload = "https://x.example/" + XSS if "url" in field else XSS
        answer = await client.post("/console/branding", data={**GOOD, field: payload, "csrf_token": csrf})
        assert answer.status_code == 400, field
        assert f"{label}: " in html.unescape(answer.text), field
        assert "<script>alert(1)" not in answer.text, field
    assert (await _merchant(runtime.engine, merchant_id)).name == "Acme Shop"
