"""A table's rows read inside another statement as one JSON value (PostgreSQL's json_agg over json_build_array), so
a page's reads take one round trip, and each row turned back into the values a plain read of it gives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Date, func, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnClause
from sqlmodel.sql.sqltypes import UTCDateTime


def rows_as_json(columns: Sequence[ColumnClause[Any]], where: Any, *order_by: Any) -> ColumnElement[Any]:
    """The rows of `columns` meeting `where`, in `order_by` order, as a JSON array of arrays (NULL when none)."""
    rows = func.json_agg(aggregate_order_by(func.json_build_array(*columns), *order_by))
    return type_coerce(select(rows).where(where).scalar_subquery(), JSON)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)  # PostgreSQL writes the session's offset


def _identity(value: Any) -> Any:
    return value


def _converter(column: ColumnClause[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _utc
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Boolean):
        return bool
    return _identity  # numbers, text and JSON values are decoded as they are


class JsonRows:
    """Turns a JSON array of rows of `columns` back into tuples of the values a plain read gives."""

    def __init__(self, columns: Sequence[ColumnClause[Any]]) -> None:
        self.converters = tuple(
            (at, convert) for at, convert in enumerate(map(_converter, columns)) if convert is not _identity
        )

    def __call__(self, rows: list[list[Any]] | None) -> list[list[Any]]:
        if not rows:
            return []
        for values in rows:
            for at, convert in self.converters:
                value = values[at]
                if value is not None:
                    values[at] = convert(value)
        return rows
