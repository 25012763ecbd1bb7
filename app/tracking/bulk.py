"""Executemany bound at the driver: a Core statement compiled once per dialect and column set, rows passed as tuples
through the column types' own bind processors, so the stored values are exactly what Core would write. On
PostgreSQL an INSERT's or a keyed UPDATE's rows go as one array per column in one statement (`DriverStatement.many`);
on SQLite an INSERT's rows can go as one JSON array per statement (`DriverStatement.insert_many`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.dialects.sqlite.base import DATE as SQLITE_DATE
from sqlalchemy.dialects.sqlite.base import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, operators
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.schema import Column, Table
from sqlalchemy.types import TypeEngine
from sqlmodel.sql.sqltypes import UTCDateTime

Processor = Callable[[Any], Any]
SQLITE_ROWS_PER_INSERT = 10_000  # rows per JSON array of `DriverStatement.insert_many` on SQLite


class DriverStatement:
    """One compiled statement: its SQL text, its parameter order and the bind processors of the columns needing one."""

    __slots__ = ("_arrays", "_json", "_pick", "_processed", "_update_arrays", "names", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        names = list(compiled.positiontup or ())
        if not dialect.positional or len(names) != len(compiled.binds):
            raise ValueError("driver statements need a positional paramstyle and named binds only")
        self.sql = str(compiled)
        self.names = tuple(names)
        processed: list[tuple[int, Processor]] = []
        for index, name in enumerate(names):
            bound_type = compiled.binds[name].type
            processor = bound_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processor = faster_processor(bound_type, dialect, processor)
                processed.append((index, processor))
        self._processed = tuple(processed)
        self._pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        # an INSERT … VALUES (?, …) [ON CONFLICT …] on SQLite, rewritten to take its rows as one JSON array
        head, found, tail = self.sql.partition(" VALUES (")
        row, closed, rest = tail.partition(")")
        simple = dialect.name == "sqlite" and head.startswith("INSERT") and row == ", ".join("?" * len(names))
        picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(names)))
        self._json = (
            f"{head} SELECT {picks} FROM json_each(?) WHERE true{rest}" if found and closed and simple else None
        )
        # the same INSERT on PostgreSQL, its rows passed as one array per column (`unnest`), rows counted, not returned
        self._arrays = None
        if dialect.name == "postgresql" and head.startswith("INSERT") and found and closed and "(" not in row:
            arrays = _array_params(compiled, names, dialect)
            self._arrays = f"{head} SELECT * FROM unnest({arrays}){rest.split(' RETURNING ', 1)[0]}"
        # an UPDATE … SET c = :c … WHERE key = :k on PostgreSQL, its rows passed as one array per parameter
        self._update_arrays = (
            _update_from_arrays(statement, compiled, self.names, dialect)
            if dialect.name == "postgresql" and isinstance(statement, Update)
            else None
        )

    def bind(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Each mapping as the driver's positional tuple, values converted as Core would convert them."""
        pick, processed = self._pick, self._processed
        if not processed:
            return [pick(row) for row in rows]
        bound: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(pick(row))
            for index, processor in processed:
                values[index] = processor(values[index])
            bound.append(tuple(values))
        return bound

    async def executemany(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run for every row in the caller's transaction; the driver's row count, -1 when it gives none."""
        if not rows:
            return 0
        result = await conn.exec_driver_sql(self.sql, self.bind(rows))
        return int(result.rowcount)

    async def many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> int:
        """`executemany`, but on PostgreSQL one statement taking one array per parameter where the statement has that
        form: an INSERT (`INSERT … SELECT * FROM unnest(…)`) or an UPDATE of one row per key (`UPDATE … FROM
        unnest(…) … WHERE key = v.key`). asyncpg's executemany runs the statement once per row, and the server's cost
        per execution (a portal, an executor started and stopped) was most of what it spent on a poll sweep's
        shipment updates. Returns the rows written (an INSERT's rows skipped by ON CONFLICT not counted)."""
        arrays = self._arrays
        if arrays is None and self._update_arrays is not None:
            arrays, key_at = self._update_arrays
            if len({row[self.names[key_at]] for row in rows}) != len(rows):
                arrays = None  # a key twice: the join would apply only one of its rows; row by row applies both
        if arrays is None or conn.dialect.name != "postgresql":
            return await self.executemany(conn, rows)
        if not rows:
            return 0
        columns = tuple(list(column) for column in zip(*self.bind(rows), strict=True))
        return int((await conn.exec_driver_sql(arrays, columns)).rowcount)

    async def insert_many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> int:
        """`executemany` for an INSERT; on SQLite one statement per SQLITE_ROWS_PER_INSERT rows, its rows passed as
        one JSON array (`INSERT … SELECT … FROM json_each(?)`); on PostgreSQL one statement taking an array per column
        (`INSERT … SELECT * FROM unnest(…)`): one round trip instead of asyncpg's pipeline of one execution per row.

        aiosqlite runs statements in its own thread, which needs the interpreter lock to bind every row of an
        executemany: with the event loop busy serving pages, each of those turns waits, and a flush of 7,000 page
        events took 1-2 s, holding SQLite's writer lock all along. One parameter per statement needs one turn.
        Returns the rows inserted (rows skipped by an ON CONFLICT clause not counted)."""
        if self._json is None or conn.dialect.name != "sqlite":
            return await self.many(conn, rows)
        bound = self.bind(rows)
        try:
            step = SQLITE_ROWS_PER_INSERT
            chunks = [json.dumps(bound[i : i + step], allow_nan=False) for i in range(0, len(bound), step)]
        except (TypeError, ValueError):  # a value JSON cannot carry (bytes, NaN): row by row
            return await self.executemany(conn, rows)
        inserted = 0
        for chunk in chunks:
            inserted += int((await conn.exec_driver_sql(self._json, (chunk,))).rowcount)
        return inserted


class DriverStatements:
    """Compiled statements by (dialect, key), built on first use: `key` names the statement and its column set."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type[Dialect], Hashable], DriverStatement] = {}

    def get(
        self,
        dialect: Dialect,
        key: Hashable,
        build: Callable[[], ClauseElement],
        column_keys: Sequence[str] | None = None,
    ) -> DriverStatement:
        cache_key = (type(dialect), key)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._cache[cache_key] = DriverStatement(build(), dialect, column_keys)
        return found


def _array_params(compiled: Any, names: Sequence[str], dialect: Dialect) -> str:
    """`CAST($1 AS type[]), …`: each positional parameter as an array of its bound column's type."""
    types = [compiled.binds[name].type.compile(dialect=dialect) for name in names]
    return ", ".join(f"CAST(${i} AS {kind}[])" for i, kind in enumerate(types, start=1))


def _update_from_arrays(
    statement: Update, compiled: Any, names: Sequence[str], dialect: Dialect
) -> tuple[str, int] | None:
    """`UPDATE t SET c = v.c, … FROM unnest($1::type[], …) AS v(…) WHERE t.key = v.key` for a statement of the shape
    `update(t).where(t.c.key == bindparam(k)).values(c=bindparam("c"), …)`, each SET parameter named as its column;
    and the key parameter's position; None for any other shape (those keep `executemany`)."""
    where, table = statement.whereclause, statement.table
    if not (
        isinstance(where, BinaryExpression)
        and where.operator is operators.eq
        and isinstance(where.left, Column)
        and isinstance(where.right, BindParameter)
        and isinstance(table, Table)
        and where.left.table is table
    ):
        return None
    key = where.right.key
    sets: list[str] = []
    for target, value in statement._values.items():  # the statement's SET clause, as built
        column = target if isinstance(target, str) else getattr(target, "key", None)
        if not isinstance(value, BindParameter) or value.key != column or column not in table.c:
            return None
        sets.append(column)
    if sorted([*sets, key]) != sorted(names):
        return None
    quote = dialect.identifier_preparer.quote
    arrays = _array_params(compiled, names, dialect)
    target_table = dialect.identifier_preparer.format_table(table)
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in sets)
    aliases = ", ".join(quote(name) for name in names)
    sql = (
        f"UPDATE {target_table} SET {assignments} FROM unnest({arrays}) AS v({aliases}) "
        f"WHERE {target_table}.{quote(where.left.key)} = v.{quote(key)}"
    )
    return sql, list(names).index(key)


def faster_processor(bound_type: TypeEngine[Any], dialect: Dialect, processor: Processor) -> Processor:
    """`processor`, or an equivalent that is faster for the common values (the same text for SQLite's default
    storage formats; anything else is handed to `processor` itself, errors included)."""
    if dialect.name != "sqlite":
        return processor
    impl = bound_type.dialect_impl(dialect)
    if isinstance(impl, UTCDateTime):
        stored = impl.impl_instance
        if isinstance(stored, SQLITE_DATETIME) and stored._storage_format == SQLITE_DATETIME._storage_format:
            return _sqlite_utc_datetime(processor)
    elif isinstance(impl, SQLITE_DATE) and impl._storage_format == SQLITE_DATE._storage_format:
        return _sqlite_date(processor)
    return processor


def _sqlite_utc_datetime(core: Processor) -> Processor:
    """UTCDateTime on SQLite: the UTC time as "YYYY-MM-DD HH:MM:SS.ffffff" (what Core's %-format writes), cut from
    isoformat; naive times, None and datetime subclasses take Core's own processor. The last time formatted is kept
    with its text: a column bound with the batch's one `now` (created_at, updated_at) formats it once per batch."""
    last: list[Any] = [None, None]  # the last datetime formatted (an immutable object) and its text

    def process(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        if type(value) is not datetime or value.tzinfo is None:
            return core(value)
        moment = value
        if value.tzinfo is not UTC:
            if value.utcoffset() is None:
                return core(value)
            value = value.astimezone(UTC)
        text = value.isoformat(" ")
        text = text[:26] if value.microsecond else text[:19] + ".000000"
        last[0], last[1] = moment, text
        return text

    return process


def _sqlite_date(core: Processor) -> Processor:
    """Date on SQLite: "YYYY-MM-DD", which is a plain date's isoformat; anything else takes Core's processor."""

    def process(value: Any) -> Any:
        return value.isoformat() if type(value) is date else core(value)

    return process
