"""Console pages for imports (CSV upload, report, Shopify connection) and webhooks (endpoints, secret once, log)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from app.db import reading, writing
from app.integrations.outbound import deliver_once, queue_event
from app.integrations.shopify_inbox import shop_by_id
from app.models import Merchant, Order, WebhookEndpoint
from app.runtime import Runtime
from app.web.app import create_app
from tests.console_support import sign_in
from tests.factories import make_merchant
from tests.integrations.conftest import Receiver
from tests.integrations.test_csv_import import SAMPLE, run
from tests.servers import serve


@pytest.fixture
async def console(rt: Runtime) -> AsyncIterator[tuple[httpx.AsyncClient, int, str]]:
    app = create_app(rt.settings, runtime=rt)
    merchant_id, _ = await make_merchant(rt.engine)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, headers={"Origin": url}, timeout=20) as http:
        token = await sign_in(http, rt.engine, merchant_id)
        yield http, merchant_id, token


async def test_csv_upload_shows_the_report_with_line_numbers(rt: Runtime, console: tuple) -> None:
    http, _, token = console
    files = {"file": ("orders.csv", SAMPLE.read_bytes(), "text/csv")}
    answer = await http.post("/console/imports", data={"csrf_token": token}, files=files)
    assert answer.status_code == 303 and re.fullmatch(r"/console/imports/\d+", answer.headers["location"])
    report = await http.get(answer.headers["location"])
    assert "10 rows: 3 imported, 0 unchanged, 7 failed." in report.text
    assert "<td>9</td><td>carrier: could not be recognised" in report.text
    listing = await http.get("/console/imports")
    assert listing.status_code == 200 and "orders.csv" in listing.text
    async with reading(rt.engine) as conn:
        numbers = sorted((await conn.execute(select(Order.__table__.c.number))).scalars())
    assert numbers == ["2001", "2003"]


async def test_upload_without_a_file_or_token_is_refused(console: tuple) -> None:
    http, _, token = console
    missing = await http.post("/console/imports", data={"csrf_token": token}, files={"other": ("x", b"", "text/plain")})
    assert missing.status_code == 400 and "choose a CSV file" in missing.text
    forged = await http.post("/console/imports", files={"file": ("o.csv", SAMPLE.read_bytes(), "text/csv")})
    assert forged.status_code == 403


async def test_other_shops_import_runs_are_not_visible(rt: Runtime, console: tuple) -> None:
    http = console[0]
    other, _ = await make_merchant(rt.engine, "other")

    theirs = await run(rt, other, SAMPLE.read_bytes())
    assert (await http.get(f"/console/imports/{theirs.run_id}")).status_code == 404


async def test_shopify_connection_is_saved_sealed_and_validated(rt: Runtime, console: tuple) -> None:
    http, merchant_id, token = console
    bad = await http.post("/console/imports/shopify", data={"csrf_token": token, "domain": "evil.com", "secret": ""})
    assert bad.status_code == 400 and "your-shop.myshopify.com" in bad.text and "required" in bad.text
    form = {"csrf_token": token, "domain": "Camille.myshopify.com", "secret": "shpss_console_secret"}
    assert (await http.post("/console/imports/shopify", data=form)).status_code == 303
    shop = await shop_by_id(rt.engine, rt.credentials_key, merchant_id)
    assert shop is not None and (shop.domain, shop.secret) == ("camille.myshopify.com", "shpss_console_secret")
    async with reading(rt.engine) as conn:
        stored = (await conn.execute(select(Merchant.__table__.c.shopify_secret))).scalar()
    assert b"shpss_console_secret" not in stored
    page = await http.get("/console/imports")
    assert "Connected to camille.myshopify.com." in page.text and "shpss_console_secret" not in page.text
    assert f"/webhooks/shopify/{merchant_id}" in page.text


async def test_webhook_endpoint_lifecycle_and_attempt_log(rt: Runtime, console: tuple, receiver: Receiver) -> None:
    http, merchant_id, token = console
    refused = await http.post(
        "/console/webhooks", data={"csrf_token": token, "url": "https://127.0.0.1/x", "events": "order.cancelled"}
    )
    assert refused.status_code == 400 and "URL: points to a loopback address" in refused.text
    no_events = await http.post("/console/webhooks", data={"csrf_token": token, "url": receiver.url})
    assert no_events.status_code == 400 and "choose at least one event type" in no_events.text

    form = {"csrf_token": token, "url": receiver.url, "events": ["order.cancelled"], "enabled": "on"}
    created = await http.post("/console/webhooks", data=form)
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', created.text)
    assert created.status_code == 200 and secret
    again = await http.get("/console/webhooks")
    assert secret.group(1) not in again.text and receiver.url in again.text

    async with reading(rt.engine) as conn:
        endpoint_id = (await conn.execute(select(WebhookEndpoint.__table__.c.id))).scalar_one()
    events = ["order.cancelled", "feedback.received"]
    edit = {"csrf_token": token, "url": receiver.url, "events": events, "enabled": "on"}
    assert (await http.post(f"/console/webhooks/{endpoint_id}", data=edit)).status_code == 303
    async with writing(rt.engine) as conn:
        now = datetime.now(UTC)
        await queue_event(conn, merchant_id=merchant_id, event_type="feedback.received", payload={"score": 2}, now=now)
    receiver.statuses = [500]
    await deliver_once(rt)
    log = await http.get("/console/webhooks")
    assert "HTTP 500" in log.text and "feedback.received" in log.text

    assert (await http.post(f"/console/webhooks/{endpoint_id}/delete", data={"csrf_token": token})).status_code == 303
    assert "No endpoints yet." in (await http.get("/console/webhooks")).text


async def test_console_pages_in_french(rt: Runtime, console: tuple) -> None:
    http, _, token = console
    await http.post("/console/language", data={"csrf_token": token, "locale": "fr"})
    imports = await http.get("/console/imports")
    webhooks = await http.get("/console/webhooks")
    assert "Importer un fichier CSV" in imports.text
    assert "Ajouter un point de terminaison" in webhooks.text and "Tentatives de livraison" in webhooks.text
