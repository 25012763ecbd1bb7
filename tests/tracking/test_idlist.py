"""`in_ids` picks exactly the listed ids, with one statement text for any number of them."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import writing
from app.tracking.idlist import ids_param, in_ids


async def test_in_ids_selects_the_listed_ids(engine: AsyncEngine) -> None:
    metadata = MetaData()
    numbers = Table("idlist_numbers", metadata, Column("id", Integer, primary_key=True))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with writing(engine) as conn:
        await conn.execute(insert(numbers), [{"id": n} for n in range(1, 21)])
        query = select(numbers.c.id).where(in_ids(numbers.c.id, conn.dialect)).order_by(numbers.c.id)
        texts = set()
        for wanted in ([], [7], [3, 3, 19, 99], list(range(1, 21))):
            found = list((await conn.execute(query, {"ids": ids_param(conn.dialect, wanted)})).scalars())
            assert found == sorted({n for n in wanted if n <= 20})
            texts.add(str(query.compile(dialect=conn.dialect)))
        assert len(texts) == 1
