"""Playwright driving Debian's Chromium (never a downloaded browser); skipped with the reason when it is absent.
axe-core comes from tests/browser/node_modules (npm) and is evaluated in the page, so the page's CSP stays on."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        await instance.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations for the page as it stands (WCAG 2 A/AA and best practices)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result = await page.evaluate("async () => (await window.axe.run(document)).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]
