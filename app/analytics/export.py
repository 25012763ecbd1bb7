"""CSV export of the table behind a chart: a header of column labels, then one line per row (total last)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from app.analytics.table import ChartTable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    text = str(value)
    # Free text (comments, product titles) opened in a spreadsheet must not run as a formula.
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: ChartTable, translate: Any = lambda s: s) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([translate(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(column.key)) for column in table.columns])
    if table.total:
        cells = [_cell(table.total.get(column.key)) for column in table.columns]
        writer.writerow([translate(cells[0]) if cells[0] else "", *cells[1:]])
    return out.getvalue()
