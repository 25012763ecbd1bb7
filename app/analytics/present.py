"""Turning chart tables into what the console shows: formatted cells for the HTML tables and JSON for Chart.js."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from app.analytics.table import N_, ChartTable

Translate = Callable[[str], str]

# Which charts are drawn, how, and from which columns; the others are tables only.
CHART_SPECS: dict[str, dict[str, Any]] = {
    "visits": {"type": "bar", "labels": ["day"], "series": ["views", "visited_orders"]},
    "funnel": {"type": "bar", "labels": ["trigger", "channel"], "series": ["sent", "delivered", "opened", "clicked"]},
    "on_time": {"type": "bar", "labels": ["carrier"], "series": ["promise_rate", "estimate_rate"]},
    "transit": {"type": "bar", "labels": ["carrier", "service"], "series": ["median_days", "p90_days"]},
    "problems": {
        "type": "bar",
        "labels": ["carrier"],
        "series": ["exception_events", "failed_attempt_events", "stuck"],
    },
    "recommendations": {"type": "bar", "labels": ["product"], "series": ["impressions", "clicks"]},
    "feedback": {"type": "bar", "labels": ["rating"], "series": ["responses"]},
    "cancellations": {"type": "bar", "labels": ["reason"], "series": ["answers", "saved"]},
}

TITLES: dict[str, str] = {
    "visits": N_("Tracking page visits"),
    "funnel": N_("Notification funnel"),
    "unsubscribes": N_("Unsubscribes"),
    "on_time": N_("Delivered on time"),
    "transit": N_("Transit time"),
    "problems": N_("Exceptions, failed attempts and stuck shipments"),
    "stuck": N_("Stuck shipments"),
    "recommendations": N_("Recommendations"),
    "feedback": N_("Feedback scores"),
    "comments": N_("Feedback comments"),
    "cancellations": N_("Cancellation reasons"),
    "impact": N_("Measured impact: holdout group"),
}


def format_cell(value: Any, kind: str, locale: Locale) -> str:
    """A cell as text in the console's language; an empty value is a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, format="short", locale=locale)
    if isinstance(value, date):
        return format_date(value, format="medium", locale=locale)
    if kind == "rate":
        return format_percent(value, format="#,##0.0%", locale=locale)
    if kind == "count":
        return format_decimal(value, format="#,##0", locale=locale)
    if kind == "number" and isinstance(value, int | float):
        return format_decimal(value, format="#,##0.##", locale=locale)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def chart_json(tables: dict[str, ChartTable], translate: Translate) -> dict[str, Any]:
    """What static/js/analytics.js draws: per chart, its type, axis labels and one series per column."""
    charts: dict[str, Any] = {}
    for name, spec in CHART_SPECS.items():
        table = tables[name]
        kinds = {c.key: c.kind for c in table.columns}
        labels = {c.key: translate(c.label) for c in table.columns}
        charts[name] = {
            "type": spec["type"],
            "labels": [" · ".join(str(row[k]) for k in spec["labels"] if row[k]) for row in table.rows],
            "series": [
                {
                    "label": labels[key],
                    "percent": kinds[key] == "rate",
                    "data": [_json_value(row[key]) for row in table.rows],
                }
                for key in spec["series"]
            ],
        }
    return charts
