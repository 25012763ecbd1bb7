"""`column IN (ids)` as one statement text whatever the number of ids (SQLite: a JSON array read by json_each;
PostgreSQL: an array parameter, = ANY), where an expanded IN list makes and caches a statement per list length."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, column, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement


def in_ids(target: ColumnElement[Any], dialect: Dialect, name: str = "ids") -> ColumnElement[bool]:
    """The condition; bind its parameter `name` with `ids_param(dialect, ids)`."""
    if dialect.name == "sqlite":
        listed = select(column("value", Integer)).select_from(func.json_each(bindparam(name)))
        return target.in_(listed.scalar_subquery())
    return target == any_(bindparam(name, type_=ARRAY(Integer)))


def ids_param(dialect: Dialect, ids: Iterable[int]) -> Any:
    values = sorted(set(ids))
    return json.dumps(values) if dialect.name == "sqlite" else values
