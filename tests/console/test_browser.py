"""The console in a real browser: sign-in, branding edit with live preview, logo upload, API key lifecycle."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.console_support import TEST_PASSWORD, create_user
from tests.factories import make_merchant

# The browser checks the pages, not the database: SQLite only keeps them quick (the HTTP tests cover both).
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]


async def _signed_in_page(browser, base_url: str, runtime, **options):  # type: ignore[no-untyped-def]
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    page = await (await browser.new_context(**options)).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    await page.goto(f"{base_url}/console/branding")
    assert "/console/login?next=%2Fconsole%2Fbranding" in page.url
    await page.fill("#email", email)
    await page.fill("#password", TEST_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}/console/branding")
    return page, problems


async def test_sign_in_wrong_then_right(browser, base_url, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    page = await browser.new_page()
    await page.goto(f"{base_url}/console/login")
    await page.fill("#email", email)
    await page.fill("#password", "not the password")
    await page.click("button[type=submit]")
    assert await page.locator("#login-error").inner_text() == "Wrong email or password."
    assert await page.input_value("#email") == email  # what was typed is kept
    await page.fill("#password", TEST_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/**")
    assert await page.locator(".who").inner_text() == f"{email} · Owner"
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["ot_session"]["httpOnly"] and cookies["ot_session"]["sameSite"] == "Lax"


async def test_branding_live_preview_and_save(browser, base_url, runtime) -> None:
    page, problems = await _signed_in_page(browser, base_url, runtime)
    frame = page.frame_locator("#preview-page")
    await frame.locator(".shop-header").wait_for()
    await page.fill("#f-announcement", "Spring sale: free returns")
    await page.fill("#f-primary_color", "#7a2e1f")
    await frame.locator("text=Spring sale: free returns").wait_for(timeout=5000)  # live, before saving
    header = frame.locator(".shop-header")
    assert await header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(122, 46, 31)"
    email = page.frame_locator("#preview-email")
    await page.fill("#f-name", "Maison Plume")
    await email.locator("text=Maison Plume").first.wait_for(timeout=5000)
    await page.click("button[value=save]")
    await page.wait_for_url("**/console/branding?saved=1")
    assert await page.input_value("#f-announcement") == "Spring sale: free returns"
    assert problems == []


async def test_preview_button_works_without_javascript(browser, base_url, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{base_url}/console/login")
    await page.fill("#email", email)
    await page.fill("#password", TEST_PASSWORD)
    await page.click("button[type=submit]")
    await page.goto(f"{base_url}/console/branding")
    await page.fill("#f-announcement", "Shown by the Preview button")
    await page.click("button[value=preview]")
    await page.frame_locator("#preview-page").locator("text=Shown by the Preview button").wait_for()
    await context.close()


async def test_logo_upload_shows_on_the_page(browser, base_url, runtime, tmp_path) -> None:
    page, problems = await _signed_in_page(browser, base_url, runtime)
    logo = tmp_path / "logo.png"
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (10, 120, 60)).save(out, format="PNG")
    logo.write_bytes(out.getvalue())
    await page.set_input_files("#f-logo", str(logo))
    await page.click("#upload-logo")
    await page.wait_for_url("**/console/branding?saved=1")
    width = await page.locator("img.logo-current").evaluate("img => img.naturalWidth")
    assert width == 300
    assert await page.frame_locator("#preview-page").locator(".shop-header img").count() == 1
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    await page.set_input_files("#f-logo", str(svg))
    await page.click("#upload-logo")
    assert "SVG and other markup is not accepted" in await page.locator("#logo-error").inner_text()
    assert problems == []


async def test_api_key_lifecycle(browser, base_url, runtime) -> None:
    page, _ = await _signed_in_page(browser, base_url, runtime)
    await page.goto(f"{base_url}/console/api-keys")
    await page.fill("#key-name", "Warehouse")
    await page.click("text=Create a key")
    key = (await page.locator("#new-key").inner_text()).strip()
    assert key.startswith("otk_")
    await page.goto(f"{base_url}/console/api-keys")
    assert await page.locator("#new-key").count() == 0  # shown once
    row = page.locator("tr", has_text="Warehouse")
    await row.locator("button", has_text="Revoke").click()
    await page.wait_for_url(f"{base_url}/console/api-keys")
    assert "revoked" in await page.locator("tr", has_text="Warehouse").inner_text()


AXE = Path(__file__).resolve().parent.parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"


async def test_console_pages_have_no_axe_violations(browser, base_url, runtime) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci --prefix tests/browser)")
    page, _ = await _signed_in_page(browser, base_url, runtime, bypass_csp=True)  # lets axe's script in
    found = {}
    for path in ("/console/branding", "/console/carriers", "/console/carriers/new?carrier=ups", "/console/api-keys",
                 "/console/team", "/console/login?lang=fr"):  # fmt: skip
        await page.goto(f"{base_url}{path}")
        await page.add_script_tag(content=AXE.read_text())
        result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations = [f"{v['id']}: {v['nodes'][0]['html'][:80]}" for v in result["violations"]]
        if violations:
            found[path] = violations
    assert found == {}
