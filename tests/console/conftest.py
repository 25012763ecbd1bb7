"""Console fixtures: the whole app on a real loopback port and an HTTP client for it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from app.web.app import create_app
from tests.conftest import CLIENT_TLS
from tests.servers import serve


@pytest.fixture
async def base_url(runtime) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime=runtime)
    async with serve(app) as base:
        yield base


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10, verify=CLIENT_TLS) as http:
        yield http


QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """Debian's Chromium through Playwright; skipped with the reason when it is not installed."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        await instance.close()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small cost parameters, so the many sign-ins here stay fast (production keeps the defaults)."""
    from app.security import passwords

    monkeypatch.setattr(passwords, "_hasher", QUICK_HASHER)


@pytest.fixture(autouse=True)
def private_logo_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Uploaded logos go to the test's own folder, not the checkout's var/uploads shared by every run and worker
    (the console writes them under a fixed folder, not the settings' uploads_dir)."""
    from app.web.console import branding

    monkeypatch.setattr(branding, "UPLOADS", tmp_path / "uploads" / "logos")
