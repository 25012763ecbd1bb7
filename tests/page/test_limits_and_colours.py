"""Rate limits (in memory, and shared through a real Redis server when one is installed) and brand colours that
keep text readable, with the warning the console shows merchants."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from app.ratelimit import MemoryLimiter, RedisLimiter, limiter_for
from app.web.branding import branding, contrast, contrast_warning, darken_until, header_links, safe_url
from tests.servers import free_port


async def test_memory_limiter_counts_per_key_and_window() -> None:
    limiter = MemoryLimiter()
    assert [await limiter.hit("a", limit=3, window=60) for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit("b", limit=3, window=60)  # another key has its own count


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        server, "--port", str(port), "--save", "", "--appendonly", "no", stdout=asyncio.subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield url
    finally:
        process.terminate()
        await process.wait()


async def test_redis_limiter_is_shared_between_processes(redis_url: str) -> None:
    first, second = RedisLimiter(redis_url), RedisLimiter(redis_url)  # two web processes
    try:
        results = [await (first if i % 2 else second).hit("lookup:ip:1", limit=3, window=60) for i in range(4)]
        assert results == [True, True, True, False]
    finally:
        await first.close()
        await second.close()


def test_limiter_for_picks_redis_only_when_configured(redis_url: str) -> None:
    memory_state, redis_state = SimpleNamespace(), SimpleNamespace()
    assert isinstance(limiter_for(memory_state, SimpleNamespace(redis_url="")), MemoryLimiter)
    assert isinstance(limiter_for(redis_state, SimpleNamespace(redis_url=redis_url)), RedisLimiter)
    assert limiter_for(memory_state, SimpleNamespace()) is memory_state.rate_limiter  # made once per app


def test_pale_brand_colour_is_darkened_for_text_and_warned_about() -> None:
    shop = SimpleNamespace(
        primary_color="#f5d76e",
        accent_color="#fff3b0",
        font="serif",
        header_links=[],
        name="S",
        slug="s",
        logo_url="javascript:alert(1)",
        website_url="https://s.example",
        support_email="",
        support_phone="",
        support_url="",
        support_chat_url="",
        return_policy_url="",
        announcement="",
    )
    brand = branding(shop)
    assert contrast(brand["brand_ink"], "#f4f5f7") >= 4.5  # links stay readable on the page background
    assert contrast(brand["primary_color"], brand["button_text_color"]) >= 4.5  # button text picked for the fill
    assert brand["logo_url"] == "" and brand["font_stack"].startswith("Georgia")
    assert "against white" in contrast_warning("#f5d76e", "#fff3b0")
    assert contrast_warning("#1f4e79", "#f5a623") == ""
    assert "not #rrggbb" in contrast_warning("red", "#f5a623")
    assert darken_until("#1f4e79") == "#1f4e79"


def test_header_links_keep_only_web_links() -> None:
    links = header_links([{"label": "Shop", "url": "https://s.example"}, {"label": "x", "url": "javascript:1"}, "bad"])
    assert links == [{"label": "Shop", "url": "https://s.example"}]
    assert safe_url("/static/logo.svg") == "/static/logo.svg" and safe_url("//evil.example/x") == ""
