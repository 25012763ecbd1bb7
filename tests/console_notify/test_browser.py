"""The notification pages in Chromium: pick a message, preview it, send a test to oneself, save; axe-core clean."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations
from tests.console_support import TEST_PASSWORD, create_user
from tests.factories import make_merchant

# The browser checks the page, not the database: SQLite keeps it quick (the HTTP tests cover both).
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]


async def test_template_edit_preview_test_send_and_save(browser, base_url, runtime, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    page = await browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    # The email templates carry a few style attributes for mail clients; the console's CSP ignores those in the
    # preview frame (cosmetic only). Anything else the browser complains about fails the test.
    inline_style = "Applying inline style violates"
    await page.goto(f"{base_url}/console/notifications")
    await page.fill("#email", email)
    await page.fill("#password", TEST_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}/console/notifications")
    assert await axe_violations(page) == []

    await page.select_option("#t-trigger", "delivered")
    await page.select_option("#t-locale", "fr")
    await page.click("text=Edit the wording")
    await page.wait_for_url("**/console/notifications/template?trigger=delivered&channel=email&locale=fr*")
    await page.fill("#f-subject", "Livré, {{ first_name }} !")
    await page.fill("#f-body", "Bonjour {{ first_name }}, la commande {{ order.number }} est arrivée.")
    await page.click("button[value=preview]")
    assert await page.locator("#preview-subject").inner_text() == "Livré, Alex !"
    frame = page.frame_locator("#preview-email")
    await frame.locator("text=Bonjour Alex, la commande 1042 est arrivée.").wait_for(timeout=5000)
    assert await axe_violations(page) == []

    await page.click("button[value=test]")
    assert (await page.locator("#sent").inner_text()) == f"Test message sent to {email}."
    [mail] = list(catcher.messages)
    assert mail.recipients == [email] and mail.message["Subject"] == "[Test] Livré, Alex !"

    await page.click("button[value=save]")
    await page.wait_for_url("**saved=1")
    assert "{{ order.number }}" in await page.input_value("#f-body")
    await page.click("text=Back to notifications")
    await page.locator("#overrides").wait_for()
    await page.click("#overrides button")
    await page.wait_for_url("**saved=template_deleted")
    assert await page.locator("#overrides").count() == 0
    assert [p for p in problems if not p.startswith(inline_style)] == [], problems
