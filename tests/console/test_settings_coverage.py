"""Every shop setting (each Merchant column) can be changed from some console page: the pages' own forms are
fetched over HTTP and their field names collected."""

from __future__ import annotations

import re

from app.models import Merchant
from app.web.console.framework import NAV
from tests.console_support import sign_in
from tests.factories import make_merchant

NOT_SETTINGS = {"id", "created_at", "page_revision"}  # page_revision: kept by triggers (app.models.pages)
# Columns set through a widget whose form field has another name.
FORM_FIELDS = {
    "logo_url": "logo",
    "header_links": "link_label_0",
    "shopify_domain": "domain",  # imports page, Shopify connection
    "shopify_secret": "secret",
}
NOTIFICATION_COLUMNS = {
    "sender_name", "reply_to", "sms_from_number", "quiet_hours_start", "quiet_hours_end", "daily_message_cap",
    "coalesce_minutes", "not_shipped_days", "delay_hours", "feedback_days",
}  # fmt: skip
SHOPIFY_COLUMNS = {"shopify_domain", "shopify_secret"}


async def form_fields(client, paths) -> set[str]:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    for path in paths:
        page = await client.get(path)
        if page.status_code == 200:
            names |= set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', page.text))
    return names


async def test_every_branding_setting_has_a_field(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    await sign_in(client, runtime.engine, merchant_id)
    names = await form_fields(client, ["/console/branding"])
    mine = set(Merchant.model_fields) - NOT_SETTINGS - NOTIFICATION_COLUMNS - SHOPIFY_COLUMNS
    missing = sorted(c for c in mine if FORM_FIELDS.get(c, c) not in names)
    assert missing == []


async def test_every_shop_setting_has_a_field_on_some_console_page(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    await sign_in(client, runtime.engine, merchant_id)
    names = await form_fields(client, [path for path, _ in NAV])
    columns = set(Merchant.model_fields) - NOT_SETTINGS
    missing = sorted(c for c in columns if FORM_FIELDS.get(c, c) not in names)
    assert missing == [], f"settings no console page can change: {missing}"
