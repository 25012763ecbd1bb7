"""Core SELECTs compiled once per dialect and run on the driver's own connection (sqlite3 or asyncpg): rows come
back as tuples converted by the selected columns' own result processors, without SQLAlchemy's per-execution work.
The read-side counterpart of app.tracking.bulk.DriverStatement (writes bound through the bind processors)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    sql: str
    names: tuple[str, ...]  # bind parameter names, in the driver's positional order
    defaults: Mapping[str, Any]  # values bound in the statement itself (literals become parameters)
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor), where one exists

    def arguments(self, given: Mapping[str, Any]) -> list[Any]:
        defaults = self.defaults
        return [given[name] if name in given else defaults[name] for name in self.names]

    def convert(self, rows: list[Any]) -> list[tuple[Any, ...]]:
        if not self.converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for at, process in self.converters:
                value = values[at]
                if value is not None:
                    values[at] = process(value)
            converted.append(tuple(values))
        return converted


class DriverQuery:
    """One SELECT, compiled on first use for each dialect it runs on."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, CompiledStatement] = {}

    def compiled(self, dialect: Dialect) -> CompiledStatement:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compile(dialect)
            self._compiled[dialect.name] = found
        return found

    def _compile(self, dialect: Dialect) -> CompiledStatement:
        compiled = self.statement.compile(dialect=dialect)
        if not compiled.positiontup and compiled.params:
            raise ValueError(f"{dialect.name}: driver statements need a positional parameter style")
        converters = []
        for at, column in enumerate(self.statement.selected_columns):
            process = column.type._cached_result_processor(dialect, None)
            if process is not None:
                converters.append((at, process))
        return CompiledStatement(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            defaults=dict(compiled.params),
            converters=tuple(converters),
        )
