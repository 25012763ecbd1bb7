"""A cold or cached tracking page follows the database: a shop's branding or catalogue change shows on the next view,
and the short reads made on SQLite's synchronous connection see every commit at once and cannot write."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text, update

from app.db import reading, sync_reader, writing
from app.models import Merchant, Product, RecommendationRule, Shipment
from app.web.driver_queries import DriverQuery
from app.web.page_reads import LazyReads, SyncReads, page_reads
from app.web.page_watch import shop_generation
from app.web.pages_data import by_token
from tests.page.conftest import Shop, at_state

M, PR, RULE, SH = (t.__table__ for t in (Merchant, Product, RecommendationRule, Shipment))


def rec_titles(html: str) -> list[str]:
    return re.findall(r'<span class="rec-title">(.*?)</span>', html)


async def test_branding_change_shows_on_the_next_view(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    first = (await client.get(f"/t/{made.token}")).text
    assert "Free returns for 30 days" in first and "--brand: #1f4e79" in first
    async with writing(runtime.engine) as conn:
        await conn.execute(
            update(M).where(M.c.id == shop.merchant_id).values(announcement="Summer sale", primary_color="#7a1f4e")
        )
    second = (await client.get(f"/t/{made.token}")).text
    assert "--brand: #7a1f4e" in second and "#1f4e79" not in second


async def test_catalogue_change_shows_on_the_next_view(runtime, clock, shop: Shop, client) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    page = f"/t/{made.token}"
    assert rec_titles((await client.get(page)).text) == ["Fig candle"]
    async with writing(runtime.engine) as conn:
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["candle"]).values(title="Cedar candle"))
    assert rec_titles((await client.get(page)).text) == ["Cedar candle"]
    async with writing(runtime.engine) as conn:
        await conn.execute(update(PR).where(PR.c.id == shop.product_ids["candle"]).values(active=False))
    assert rec_titles((await client.get(page)).text) == []
    async with writing(runtime.engine) as conn:
        await conn.execute(
            RULE.insert().values(
                merchant_id=shop.merchant_id, when_kind="product", when_value="vase", product_id=shop.product_ids["mug"]
            )
        )
    assert rec_titles((await client.get(page)).text) == ["Glazed mug"]


async def test_generation_moves_on_commits_to_shop_tables_only(runtime, shop: Shop) -> None:
    generation = shop_generation(runtime.engine)
    before = generation.value
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).where(SH.c.merchant_id == shop.merchant_id).values(poll_failures=0))
    assert generation.value == before
    async with writing(runtime.engine) as conn:
        await conn.execute(
            text("UPDATE product SET price_cents = 3100 WHERE merchant_id = :m"), {"m": shop.merchant_id}
        )
    assert generation.value > before
    settled = generation.value
    with pytest.raises(RuntimeError):
        async with writing(runtime.engine) as conn:
            await conn.execute(update(M).where(M.c.id == shop.merchant_id).values(name="Never"))
            raise RuntimeError("rolled back")
    during_rollback = generation.value
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).where(SH.c.merchant_id == shop.merchant_id).values(poll_failures=0))
    assert generation.value == during_rollback >= settled


async def test_page_reads_see_each_commit_at_once(runtime, clock, shop: Shop) -> None:
    made = await at_state(runtime, clock, shop, "in_transit")
    assert (await by_token(runtime.engine, made.token)).order.city == "Bordeaux"  # type: ignore[union-attr]
    async with writing(runtime.engine) as conn:
        await conn.execute(update(SH).where(SH.c.id == made.shipment_id).values(status="delivered"))
    assert (await by_token(runtime.engine, made.token)).shipment.status == "delivered"  # type: ignore[union-attr]


async def test_sqlite_reads_are_synchronous_and_read_only(runtime, shop: Shop) -> None:
    if runtime.engine.dialect.name != "sqlite":
        assert sync_reader(runtime.engine) is None
        return
    assert sync_reader(runtime.engine) is sync_reader(runtime.engine)
    async with page_reads(runtime.engine) as conn:
        assert isinstance(conn, SyncReads)
        assert (await conn.execute(text("SELECT id FROM merchant"))).scalar_one() == shop.merchant_id
        with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
            await conn.execute(text("UPDATE merchant SET name = 'x'"))


async def test_postgres_reads_check_out_a_connection_only_when_they_read(runtime, shop: Shop) -> None:
    if runtime.engine.dialect.name == "sqlite":
        pytest.skip("SQLite reads use the synchronous connection")
    pool = runtime.engine.pool
    before = pool.checkedout()
    async with page_reads(runtime.engine) as conn:
        assert isinstance(conn, LazyReads) and pool.checkedout() == before
        assert (await conn.execute(text("SELECT id FROM merchant"))).scalar_one() == shop.merchant_id
        assert pool.checkedout() == before + 1
        assert await conn.rows(DriverQuery(select(M.c.id)), {}) == [(shop.merchant_id,)]  # the same connection
        assert pool.checkedout() == before + 1
    assert pool.checkedout() == before


async def test_branding_changed_elsewhere_shows_on_the_next_first_view(runtime, clock, shop: Shop, client) -> None:
    """The header and help fragments are kept per branding values, not per process: a change committed by another
    process (its own engine, so this one's shop generation does not move) shows on the next page built."""
    first = await at_state(runtime, clock, shop, "in_transit", order="F1", serial=1)
    second = await at_state(runtime, clock, shop, "in_transit", order="F2", serial=2)
    before = (await client.get(f"/t/{first.token}")).text
    assert "Free returns for 30 days" in before
    generation = shop_generation(runtime.engine).value
    values = ("Summer sale", "care@lumiere.example", "Lumière & Co", shop.merchant_id)
    async with runtime.engine.connect() as conn:  # straight on the driver: as another process, unseen by this one
        driver = (await conn.get_raw_connection()).driver_connection
        if runtime.engine.dialect.name == "sqlite":
            await driver.execute("UPDATE merchant SET announcement=?, support_email=?, name=? WHERE id=?", values)
            await driver.commit()
        else:
            await driver.execute("UPDATE merchant SET announcement=$1, support_email=$2, name=$3 WHERE id=$4", *values)
    assert shop_generation(runtime.engine).value == generation
    after = (await client.get(f"/t/{second.token}")).text
    header = after[after.index('<header class="shop-header">') : after.index("</header>")]
    help_section = after[after.index('id="help-heading"') : after.index("</section>", after.index('id="help-heading"'))]
    assert "Summer sale" in header and "Free returns for 30 days" not in after
    assert "Lumière &amp; Co" in header and "Visit Lumière &amp; Co" in help_section
    assert "mailto:care@lumiere.example" in help_section


async def test_a_write_whose_connection_died_reports_its_own_error(runtime, shop: Shop) -> None:
    """The generation watcher's rollback hook tolerates a connection invalidated mid-transaction (a write cancelled
    at shutdown): the write's own error surfaces, not one raised by the hook."""
    shop_generation(runtime.engine)  # watching
    with pytest.raises(RuntimeError, match="the write's own error"):
        async with writing(runtime.engine) as conn:
            await conn.execute(update(M).where(M.c.id == shop.merchant_id).values(name="Lost"))
            await conn.invalidate()
            raise RuntimeError("the write's own error")
    async with reading(runtime.engine) as conn:
        assert (await conn.execute(select(M.c.name).where(M.c.id == shop.merchant_id))).scalar_one() != "Lost"
