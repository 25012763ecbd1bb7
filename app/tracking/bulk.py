"""Executemany bound at the driver: a Core statement compiled once per dialect and column set, rows passed as tuples
through the column types' own bind processors, so the stored values are exactly what Core would write."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any]


class DriverStatement:
    """One compiled statement: its SQL text, its parameter order and the bind processors of the columns needing one."""

    __slots__ = ("_pick", "_processed", "names", "sql")

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
                processed.append((index, processor))
        self._processed = tuple(processed)
        self._pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))

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
