"""Driver-bound executemany writes exactly the values Core writes (times, dates, booleans, JSON, NULLs)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, bindparam, insert, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.sql.sqltypes import UTCDateTime

from app.db import writing
from app.tracking.bulk import DriverStatement, DriverStatements, faster_processor

PARIS_WINTER = timezone(timedelta(hours=1))


def sample_table(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(40)),
        Column("at", UTCDateTime()),
        Column("day", Date),
        Column("flag", Boolean),
        Column("doc", JSON),
    )


ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "label": "a",
        "at": datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=PARIS_WINTER),
        "day": date(2026, 11, 24),
        "flag": True,
        "doc": {"k": [1, "é"]},
    },
    {"id": 2, "label": "", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "day": None, "flag": False, "doc": None},
]


async def raw_rows(engine: AsyncEngine, table: Table) -> list[tuple[Any, ...]]:
    async with writing(engine) as conn:
        result = await conn.exec_driver_sql(f"SELECT id, label, at, day, flag, doc FROM {table.name} ORDER BY id")
        return [tuple(row) for row in result]


@pytest.fixture
async def tables(engine: AsyncEngine) -> tuple[Table, Table]:
    metadata = MetaData()
    by_core, by_driver = sample_table("bulk_core", metadata), sample_table("bulk_driver", metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return by_core, by_driver


async def test_insert_stores_what_core_stores(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    by_core, by_driver = tables
    columns = ["id", "label", "at", "day", "flag", "doc"]
    async with writing(engine) as conn:
        await conn.execute(insert(by_core), ROWS)
        statement = DriverStatement(insert(by_driver), conn.dialect, columns)
        assert await statement.executemany(conn, ROWS) in (2, -1)
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)


async def test_update_by_key_stores_what_core_stores(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    by_core, by_driver = tables
    changes = [
        {"b_id": 1, "at": datetime(2026, 11, 23, 0, 0, 1, tzinfo=PARIS_WINTER), "day": None, "flag": False},
        {"b_id": 2, "at": None, "day": date(2026, 12, 1), "flag": True},
    ]
    async with writing(engine) as conn:
        await conn.execute(insert(by_core), ROWS)
        await conn.execute(insert(by_driver), ROWS)

        def change(table: Table) -> Any:
            values = {k: bindparam(k) for k in ("at", "day", "flag")}
            return update(table).where(table.c.id == bindparam("b_id")).values(values)

        await conn.execute(change(by_core), changes)
        statements = DriverStatements()
        statement = statements.get(conn.dialect, "change", lambda: change(by_driver))
        assert statements.get(conn.dialect, "change", lambda: change(by_core)) is statement  # compiled once
        await statement.executemany(conn, changes)
        assert await statement.executemany(conn, []) == 0
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)


async def test_many_updates_by_key_as_core_does(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    """`many` of an update by key: on PostgreSQL one statement joining the rows passed as arrays, elsewhere the
    driver's executemany; either way the stored rows are Core's, untouched rows stay and the count is the rows met."""
    by_core, by_driver = tables
    changes = [
        {"b_id": 2, "label": "zwei ü", "at": None, "doc": {"x": [1, None]}, "flag": True},
        {"b_id": 1, "label": "", "at": datetime(2026, 11, 23, 0, 0, 1, tzinfo=PARIS_WINTER), "doc": None, "flag": None},
        {"b_id": 99, "label": "no such row", "at": None, "doc": None, "flag": False},
    ]
    third = {"id": 3, "label": "kept", "at": None, "day": date(2026, 1, 1), "flag": True, "doc": [3]}

    def change(table: Table) -> Any:
        values = {k: bindparam(k) for k in ("label", "at", "doc", "flag")}
        return update(table).where(table.c.id == bindparam("b_id")).values(values)

    async with writing(engine) as conn:
        for table in tables:
            await conn.execute(insert(table), [*ROWS, third])
        await conn.execute(change(by_core), changes)
        statement = DriverStatement(change(by_driver), conn.dialect)
        assert (statement._update_arrays is not None) == (conn.dialect.name == "postgresql")
        assert await statement.many(conn, changes) in (2, -1)
        assert await statement.many(conn, []) == 0
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)


async def test_many_keeps_executemany_for_other_update_shapes(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    """A parameter not named as its column, or a WHERE clause other than key = parameter, runs row by row."""
    _, by_driver = tables
    renamed = update(by_driver).where(by_driver.c.id == bindparam("b_id")).values(label=bindparam("new_label"))
    ranged = update(by_driver).where(by_driver.c.id > bindparam("b_id")).values(label=bindparam("label"))
    async with writing(engine) as conn:
        await conn.execute(insert(by_driver), ROWS)
        for statement in (renamed, ranged):
            assert DriverStatement(statement, conn.dialect)._update_arrays is None
        assert await DriverStatement(renamed, conn.dialect).many(conn, [{"b_id": 2, "new_label": "two"}]) in (1, -1)
    assert [row[1] for row in await raw_rows(engine, by_driver)] == ["a", "two"]


async def test_many_applies_a_key_given_twice_in_order(engine: AsyncEngine, tables: tuple[Table, Table]) -> None:
    """A join would apply one of a key's two rows, whichever it met: such a batch goes row by row, the last row kept."""
    _, by_driver = tables
    relabel = update(by_driver).where(by_driver.c.id == bindparam("b_id")).values(label=bindparam("label"))
    async with writing(engine) as conn:
        await conn.execute(insert(by_driver), ROWS)
        statement = DriverStatement(relabel, conn.dialect)
        await statement.many(
            conn, [{"b_id": 1, "label": "first"}, {"b_id": 2, "label": "b"}, {"b_id": 1, "label": "last"}]
        )
    assert [row[1] for row in await raw_rows(engine, by_driver)] == ["last", "b"]


def varied_times() -> list[Any]:
    rng = random.Random(3)
    zones = [UTC, PARIS_WINTER, timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(0), "zero")]
    values: list[Any] = [
        None,
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, UTC),
    ]
    base = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    for _ in range(500):
        micro = rng.choice((0, 1, rng.randint(0, 999_999)))
        moment = base + timedelta(seconds=rng.randint(-(10**9), 10**9), microseconds=micro)
        values.append(moment.astimezone(rng.choice(zones)))
    return values


def test_sqlite_fast_processors_write_cores_text() -> None:
    dialect = sqlite.dialect()
    for bound_type, values in (
        (UTCDateTime(), varied_times()),
        (Date(), [None, date(1, 1, 1), date(999, 12, 31), date(2026, 2, 28), date(9999, 12, 31)]),
    ):
        core = bound_type.dialect_impl(dialect).bind_processor(dialect)
        fast = faster_processor(bound_type, dialect, core)
        assert fast is not core
        for value in values:
            assert fast(value) == core(value), value
    # What Core refuses, the fast path refuses the same way.
    core = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    for refused in (datetime(2026, 1, 1), "2026-01-01"):
        with pytest.raises(Exception) as by_core:
            core(refused)
        with pytest.raises(type(by_core.value)):
            faster_processor(UTCDateTime(), dialect, core)(refused)
    date_core = Date().dialect_impl(dialect).bind_processor(dialect)
    assert faster_processor(Date(), dialect, date_core)(datetime(2026, 1, 2, 3, 4)) == date_core(
        datetime(2026, 1, 2, 3, 4)
    )


def test_sqlite_time_processor_repeats_and_alternations_match_core() -> None:
    """The fast time processor keeps its last text: repeated, alternating and interleaved values (None, naive refusals,
    equal times in other zones) must each still come out as Core writes them."""
    dialect = sqlite.dialect()
    core = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    fast = faster_processor(UTCDateTime(), dialect, core)
    now = datetime(2026, 11, 22, 20, 0, 0, 123456, UTC)
    other = datetime(2026, 11, 22, 21, 0, tzinfo=timezone(timedelta(hours=1)))  # the same instant as `now`'s hour
    sequence = [now, now, None, now, other, other, now, None, None, datetime(2026, 1, 1, tzinfo=UTC), now]
    for value in sequence:
        assert fast(value) == core(value), value
    with pytest.raises(Exception):  # noqa: B017 - whatever Core raises, see test above
        fast(datetime(2026, 1, 1))
    assert fast(now) == core(now)


async def test_insert_many_stores_what_core_stores(
    engine: AsyncEngine, tables: tuple[Table, Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the rows go as one JSON array per statement, on PostgreSQL as one array per column: unicode, JSON
    documents, booleans, NULLs and times must come out as Core writes them, whatever the number of statements."""
    import app.tracking.bulk as bulk

    by_core, by_driver = tables
    columns = ["id", "label", "at", "day", "flag", "doc"]
    more = [{**row, "id": row["id"] + 10, "label": f'{row["label"]}"\\ {{"x": 1}}'} for row in ROWS]
    monkeypatch.setattr(bulk, "SQLITE_ROWS_PER_INSERT", 3)  # four rows: two statements on SQLite
    async with writing(engine) as conn:
        await conn.execute(insert(by_core), [*ROWS, *more])
        statement = DriverStatement(insert(by_driver), conn.dialect, columns)
        assert (statement._json is not None) == (conn.dialect.name == "sqlite")
        assert (statement._arrays is not None) == (conn.dialect.name == "postgresql")
        assert await statement.insert_many(conn, [*ROWS, *more]) == 4
        assert await statement.insert_many(conn, []) == 0
    assert await raw_rows(engine, by_driver) == await raw_rows(engine, by_core)


async def test_insert_many_skips_conflicts_and_counts_what_it_inserted(
    engine: AsyncEngine, tables: tuple[Table, Table]
) -> None:
    from app.db import insert_for

    _, by_driver = tables
    columns = ["id", "label", "at", "day", "flag", "doc"]
    async with writing(engine) as conn:
        await conn.execute(insert(by_driver), ROWS[:1])
        upsert = insert_for(conn, by_driver).on_conflict_do_nothing(index_elements=["id"])
        statement = DriverStatement(upsert, conn.dialect, columns)
        inserted = await statement.insert_many(conn, ROWS)  # row 1 is there already
        assert inserted == 1
        twice = [{**ROWS[0], "id": 3, "label": "first"}, {**ROWS[0], "id": 3, "label": "second"}]
        assert await statement.many(conn, twice) == 1  # a key twice in one batch: the first row kept
    assert [row[:2] for row in await raw_rows(engine, by_driver)] == [(1, "a"), (2, ""), (3, "first")]


async def test_insert_many_takes_values_json_cannot_carry_row_by_row(engine: AsyncEngine) -> None:
    from sqlalchemy import LargeBinary

    metadata = MetaData()
    table = Table("bulk_bytes", metadata, Column("id", Integer, primary_key=True), Column("blob", LargeBinary))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with writing(engine) as conn:
        statement = DriverStatement(insert(table), conn.dialect, ["id", "blob"])
        await statement.insert_many(conn, [{"id": 1, "blob": b"\x00\xff"}, {"id": 2, "blob": None}])
        stored = (await conn.exec_driver_sql("SELECT id, blob FROM bulk_bytes ORDER BY id")).all()
    assert [(row[0], None if row[1] is None else bytes(row[1])) for row in stored] == [(1, b"\x00\xff"), (2, None)]


async def test_insert_many_takes_a_not_a_number_row_by_row_as_core_does(engine: AsyncEngine) -> None:
    from sqlalchemy import Float

    metadata = MetaData()
    tables = [Table(name, metadata, Column("id", Integer, primary_key=True), Column("x", Float)) for name in "ab"]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    rows = [{"id": 1, "x": 0.1}, {"id": 2, "x": float("nan")}, {"id": 3, "x": None}]
    async with writing(engine) as conn:
        await conn.execute(insert(tables[0]), rows)
        await DriverStatement(insert(tables[1]), conn.dialect, ["id", "x"]).insert_many(conn, rows)
        stored = [(await conn.exec_driver_sql(f"SELECT id, x FROM {t.name} ORDER BY id")).all() for t in tables]
    assert repr([tuple(r) for r in stored[1]]) == repr([tuple(r) for r in stored[0]])  # as text: NaN != NaN
