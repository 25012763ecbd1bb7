"""Every chart of the dashboard by name, in display order: the query behind it, and the whole set at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.analytics.cancellations import cancellation_reasons
from app.analytics.feedback import feedback_comments, feedback_scores
from app.analytics.filters import Filters
from app.analytics.funnel import notification_funnel, unsubscribes
from app.analytics.impact import holdout_impact
from app.analytics.ontime import on_time
from app.analytics.problems import problems_per_carrier, stuck_shipments
from app.analytics.recommendations import recommendations
from app.analytics.sql import prepare
from app.analytics.table import ChartTable
from app.analytics.transit import transit_times
from app.analytics.visits import page_visits
from app.db import reading

ChartQuery = Callable[[AsyncConnection, Filters], Awaitable[ChartTable]]

CHARTS: dict[str, ChartQuery] = {
    "visits": page_visits,
    "funnel": notification_funnel,
    "unsubscribes": unsubscribes,
    "on_time": on_time,
    "transit": transit_times,
    "problems": problems_per_carrier,
    "stuck": stuck_shipments,
    "recommendations": recommendations,
    "feedback": feedback_scores,
    "comments": feedback_comments,
    "cancellations": cancellation_reasons,
    "impact": holdout_impact,
}


async def chart(engine: AsyncEngine, name: str, f: Filters) -> ChartTable:
    async with reading(engine) as conn:
        await prepare(conn)
        return await CHARTS[name](conn, f)


async def dashboard(engine: AsyncEngine, f: Filters) -> dict[str, ChartTable]:
    """All charts, read on one connection."""
    async with reading(engine) as conn:
        await prepare(conn)
        return {name: await query(conn, f) for name, query in CHARTS.items()}
