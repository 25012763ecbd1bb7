"""Analytics dashboard: page visits, message funnel, delivery performance, recommendations, feedback, holdout."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.analytics.charts import CHARTS, chart, dashboard
from app.analytics.export import to_csv
from app.analytics.filters import FilterError, Filters, parse_filters
from app.analytics.present import CHART_SPECS, TITLES, chart_json, format_cell
from app.i18n import babel_locale, translations
from app.web.console.framework import console_locale, engine_of, not_found, now_utc, page, render
from carriers.registry import CARRIER_CODES


def _filters(request: Request) -> Filters:
    merchant = request.state.merchant
    return parse_filters(
        request.query_params,
        merchant_id=merchant.id,
        now=now_utc(),
        attribution_days=merchant.attribution_days,
    )


@page()
async def analytics_page(request: Request) -> Response:
    locale = console_locale(request)
    translate = translations(locale).gettext
    context: dict[str, Any] = {
        "carriers": CARRIER_CODES,
        "titles": TITLES,
        "specs": CHART_SPECS,
        "params": request.query_params,
        "cell": lambda value, kind: format_cell(value, kind, babel_locale(locale)),
    }
    try:
        f = _filters(request)
    except FilterError as error:
        context.update(error={"field": error.field, "reason": error.reason}, tables=None, filters=None)
        return render(request, "console/analytics.html", context, status_code=400)
    tables = await dashboard(engine_of(request), f)
    context.update(error=None, tables=tables, filters=f, chart_data=chart_json(tables, translate))
    return render(request, "console/analytics.html", context)


@page()
async def export_csv(request: Request) -> Response:
    name = request.path_params["chart"]
    if name not in CHARTS:
        return not_found(request)
    try:
        f = _filters(request)
    except FilterError as error:
        return Response(f"{error.field}: {error.reason}\n", status_code=400, media_type="text/plain")
    table = await chart(engine_of(request), name, f)
    body = to_csv(table, translations(console_locale(request)).gettext)
    filename = f"{name}-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


routes: list[BaseRoute] = [
    Route("/analytics", analytics_page, methods=["GET"]),
    Route("/analytics/export/{chart}.csv", export_csv, methods=["GET"]),
]
