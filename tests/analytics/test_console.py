"""The dashboard over real HTTP: sign-in required, filters, tables with the fixture's numbers, JSON for the charts,
CSV downloads, and a clear error for a bad filter."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx

from tests.analytics.conftest import Shop
from tests.console_support import sign_in

RANGE = "start=2025-03-01&end=2025-03-10"


async def test_signed_out_is_sent_to_login(client: httpx.AsyncClient, shop: Shop) -> None:
    answer = await client.get(f"/console/analytics?{RANGE}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=")
    export = await client.get("/console/analytics/export/visits.csv", follow_redirects=False)
    assert export.status_code == 303


async def test_dashboard_shows_tables_and_chart_data(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    await sign_in(client, engine, shop.merchant_id)
    answer = await client.get(f"/console/analytics?{RANGE}")
    assert answer.status_code == 200
    html = answer.text
    for name in ("visits", "funnel", "on_time", "transit", "problems", "stuck", "recommendations", "impact"):
        assert f'id="table-{name}"' in html
    assert "Apple Mail Privacy Protection" in html
    assert "Linen throw" in html and "1004" in html  # a recommendation row and the stuck shipment
    nonce = re.search(r"'nonce-([^']+)'", answer.headers["content-security-policy"])
    assert nonce
    data = re.search(r'<script type="application/json" id="analytics-data" nonce="([^"]+)">(.*?)</script>', html, re.S)
    assert data and data.group(1) == nonce.group(1)
    charts = json.loads(data.group(2))
    assert charts["visits"]["labels"] == ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-06", "2025-03-10"]
    assert charts["visits"]["series"][0] == {"label": "Page views", "percent": False, "data": [3, 1, 2, 1, 0]}
    assert charts["on_time"]["series"][0]["percent"] is True
    assert charts["on_time"]["series"][0]["data"] == [0.5, None]
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"' in html


async def test_carrier_filter_over_http(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    await sign_in(client, engine, shop.merchant_id)
    answer = await client.get(f"/console/analytics?{RANGE}&carrier=ups")
    charts = json.loads(re.search(r'id="analytics-data"[^>]*>(.*?)</script>', answer.text, re.S).group(1))  # type: ignore[union-attr]
    assert charts["on_time"]["labels"] == ["ups"]
    assert '<option value="ups" selected>' in answer.text


async def test_bad_filter_names_the_field(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    await sign_in(client, engine, shop.merchant_id)
    answer = await client.get("/console/analytics?start=2025-03-11&end=2025-03-10")
    assert answer.status_code == 400
    assert "start: must not be after the end date" in answer.text
    assert 'id="start" name="start" type="date" value="2025-03-11" aria-invalid="true"' in answer.text
    export = await client.get("/console/analytics/export/visits.csv?carrier=pigeon")
    assert (export.status_code, export.text) == (400, "carrier: is not a known carrier code\n")


async def test_csv_download(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    await sign_in(client, engine, shop.merchant_id)
    answer = await client.get(f"/console/analytics/export/cancellations.csv?{RANGE}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="cancellations-2025-03-01-2025-03-10.csv"' in answer.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["Reason", "Answers", "Saved orders", "Save rate"],
        ["too_slow", "2", "1", "0.5"],
        ["changed_mind", "1", "0", "0"],
        ["All reasons", "3", "1", "0.3333"],
    ]
    missing = await client.get("/console/analytics/export/nothing.csv")
    assert missing.status_code == 404


async def test_another_shop_sees_its_own_figures(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    await sign_in(client, engine, shop.other_id)
    answer = await client.get(f"/console/analytics/export/visits.csv?{RANGE}")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[-1][:4] == ["All days", "1", "2", "2"]


async def test_french_console(client: httpx.AsyncClient, engine, shop: Shop) -> None:
    from sqlalchemy import update

    from app.db import writing
    from app.models import User

    await sign_in(client, engine, shop.merchant_id)
    async with writing(engine) as conn:
        await conn.execute(
            update(User.__table__).where(User.__table__.c.merchant_id == shop.merchant_id).values(locale="fr")
        )
    page = await client.get(f"/console/analytics?{RANGE}")
    assert page.status_code == 200
    assert "<h1>Statistiques</h1>" in page.text
    assert "intervalle de confiance à 95 %" in page.text
    assert "pas assez de données" in page.text
    export = await client.get(f"/console/analytics/export/cancellations.csv?{RANGE}")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == ["Motif", "Réponses", "Commandes sauvées", "Taux de sauvegarde"]
    assert rows[-1][0] == "Tous les motifs"
