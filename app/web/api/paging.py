"""Cursor pagination, newest first: the cursor is the last id seen, opaque to clients."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Column, Select

MAX_ID = 2**31 - 1


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("is not a cursor from a previous page") from None
    kind, _, number = text.partition(":")
    if kind != "id" or not number.isascii() or not number.isdigit() or not 1 <= int(number) <= MAX_ID:
        raise ValueError("is not a cursor from a previous page")
    return int(number)


class PageQuery(BaseModel):
    """`limit` items per page; `cursor` is `next_cursor` of the previous page."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=100)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value


def paged(statement: Select[Any], id_column: Column[Any], query: PageQuery) -> Select[Any]:
    """`statement` restricted to the page after the cursor, one row more than the limit (to know if more follow)."""
    if query.cursor:
        statement = statement.where(id_column < decode_cursor(query.cursor))
    return statement.order_by(id_column.desc()).limit(query.limit + 1)


def next_cursor(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """(the page's rows, the cursor for the next page or None)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id)
