"""The shape every chart query returns: named columns and plain rows, which feed the chart, the HTML table and CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a label for translation; the console template translates it when rendering."""
    return message


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, label (translated), count, rate (0–1), number, date


@dataclass(slots=True)
class ChartTable:
    """One table behind a chart; `total` is an optional summary row shown under the others."""

    key: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None

    def all_rows(self) -> list[dict[str, Any]]:
        return [*self.rows, *([self.total] if self.total else [])]


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return part / whole
