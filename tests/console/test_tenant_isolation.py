"""Shop A can reach none of shop B's objects: every console and /api/v1 route taking an object id, called with
shop A's session or API key and shop B's ids, answers 404 and changes nothing.

Routes are enumerated from the application itself, so a route added later is covered automatically; a route with
a path parameter this test does not know fails the test until it is classified below.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from starlette.routing import Mount, Route

from app.db import reading, writing
from app.models import (
    ApiKey,
    CarrierAccountRow,
    ChangeRequest,
    ImportRun,
    Invitation,
    Product,
    RecommendationRule,
    TemplateOverride,
    User,
    WebhookEndpoint,
)
from app.security.crypto import seal
from app.web.app import create_app
from tests.console_support import create_user, sign_in
from tests.factories import add_shipment, make_merchant
from tests.servers import serve

# Path parameter → the kind of shop-owned object it names. Generic names are keyed by (path prefix, name).
ID_PARAMS: dict[str, str] = {
    "key_id": "api_key",
    "account_id": "carrier_account",
    "user_id": "user",
    "invitation_id": "invitation",
    "shipment_id": "shipment",
    "order_id": "order",
    "product_id": "product",
    "rule_id": "rule",
    "request_id": "change_request",
    "override_id": "template_override",
}
PREFIXED_ID_PARAMS: dict[tuple[str, str], str] = {
    ("/console/webhooks/", "id"): "webhook_endpoint",
    ("/console/imports/", "id"): "import_run",
}
# Parameters that name no stored object of a shop (a view, a file, a chart): given a harmless value.
NON_ID_PARAMS: dict[str, str] = {
    "kind": "page",
    "chart": "funnel",
    "name": "0" * 24 + ".png",
    "token": "x" * 32,
    "rest": "no-such-route",  # the API's catch-all 404
}
# Routes that are not scoped by a session or key, by design: each is protected by something else.
NOT_SESSION_SCOPED = {
    "/u/{merchant_id}/{channel}/{token}": "HMAC-signed unsubscribe link",
    "/webhooks/carriers/{carrier}/{account_id:int}": "carrier's signature on the body",
    "/webhooks/shopify/{merchant_id:int}": "shop's Shopify HMAC on the body",
    "/m/cancel/{nid:int}/{reason}/{sig}": "HMAC-signed link in one message",
    "/m/feedback/{nid:int}/{score:int}/{sig}": "HMAC-signed link in one message",
    "/m/open/{nid:int}/{sig}.gif": "HMAC-signed pixel in one message",
    "/m/click/{nid:int}/{sig}": "HMAC-signed link in one message",
    "/t/{token}/r/{product_id:int}": "unguessable tracking token (the product must belong to its shop)",
    "/console/media/{merchant_id:int}/{name}": "public logo, content-addressed name",
    "/console/reset/{token}": "one-time emailed token",
    "/console/invite/{token}": "one-time emailed token",
    "/{shop}/track": "public lookup form: order number plus email or postal code, rate limited",
}
SCOPED_PREFIXES = ("/console/", "/api/v1/")
# Valid bodies for the routes that check their input before looking the object up, so the lookup is reached.
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/orders/{order_id}/cancel": {"reason": "test"},
    "/api/v1/orders/{order_id}/feedback": {"rating": 5},
}
FORMS: dict[str, dict[str, str]] = {
    "/console/webhooks/{id:int}": {"url": "https://a.example/hook", "events": "shipment.status_changed"},
}


def app_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Mount) and hasattr(route.app, "routes") and not hasattr(route.app, "directory"):
            found += app_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            found.append((prefix + route.path, route))
    return found


def kind_of(path: str, param: str) -> str | None:
    for (start, name), kind in PREFIXED_ID_PARAMS.items():
        if path.startswith(start) and param == name:
            return kind
    return ID_PARAMS.get(param)


def routes_with_ids(app: Any) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path template, {param: kind}) of every scoped route with an id parameter; unknown params fail."""
    cases = []
    unknown = []
    for path, route in app_routes(app.routes):
        params = list(route.param_convertors)
        if not params or path in NOT_SESSION_SCOPED:
            continue
        kinds = {p: kind_of(path, p) for p in params}
        for param, kind in kinds.items():
            if kind is None and param not in NON_ID_PARAMS:
                unknown.append(f"{path} ({param})")
        if not any(kinds.values()):
            continue
        assert path.startswith(SCOPED_PREFIXES), f"{path} takes an object id outside /console and /api/v1"
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            cases.append((method, path, {p: k for p, k in kinds.items() if k}))
    assert not unknown, f"classify these path parameters in test_tenant_isolation.py: {unknown}"
    return cases


async def _insert(conn: Any, model: Any, **values: Any) -> int:
    defaults = {
        k: f.get_default(call_default_factory=True)
        for k, f in model.model_fields.items()
        if k != "id" and not f.is_required()
    }
    result = await conn.execute(model.__table__.insert().values(**{**defaults, **values}))
    return int(result.inserted_primary_key[0])


async def shop_b_objects(runtime: Any) -> tuple[int, dict[str, int]]:
    """Shop B with one object of every kind; returns (merchant id, kind → id)."""
    engine = runtime.engine
    merchant_id, _ = await make_merchant(engine, slug="shop-b")
    made = await add_shipment(engine, merchant_id, runtime.settings.secret_key, "SBDL29000000777", order_number="B-1")
    await create_user(engine, merchant_id, role="staff", email="staff@shop-b.test")
    now = datetime.now(UTC)
    ids: dict[str, int] = {"shipment": made.shipment_id, "order": made.order_id}
    async with writing(engine) as conn:
        ids["api_key"] = (
            await conn.execute(select(ApiKey.__table__.c.id).where(ApiKey.__table__.c.merchant_id == merchant_id))
        ).scalar_one()
        ids["user"] = (
            await conn.execute(select(User.__table__.c.id).where(User.__table__.c.merchant_id == merchant_id))
        ).scalar_one()
        sealed = seal(runtime.credentials_key, merchant_id, "sandbox", {"api_key": "b-secret"})
        ids["carrier_account"] = await _insert(
            conn, CarrierAccountRow, merchant_id=merchant_id, carrier="sandbox", credentials=sealed, created_at=now
        )
        ids["invitation"] = await _insert(
            conn, Invitation, merchant_id=merchant_id, email="new@shop-b.test", token_hash="b" * 64,
            expires_at=now + timedelta(days=7),
        )  # fmt: skip
        ids["product"] = await _insert(
            conn, Product, merchant_id=merchant_id, external_id="P-B", title="B product", url="https://b.example/p"
        )
        ids["rule"] = await _insert(
            conn, RecommendationRule, merchant_id=merchant_id, when_kind="product", when_value="P-B",
            product_id=ids["product"],
        )  # fmt: skip
        ids["change_request"] = await _insert(
            conn, ChangeRequest, merchant_id=merchant_id, order_id=made.order_id, kind="address"
        )
        ids["webhook_endpoint"] = await _insert(
            conn, WebhookEndpoint, merchant_id=merchant_id, url="https://b.example/hook", secret=b"sealed"
        )
        ids["import_run"] = await _insert(conn, ImportRun, merchant_id=merchant_id, filename="b.csv")
        ids["template_override"] = await _insert(
            conn, TemplateOverride, merchant_id=merchant_id, trigger="shipped", channel="email", locale="en", body="B"
        )
    return merchant_id, ids


async def snapshot(engine: Any, merchant_id: int) -> dict[str, Any]:
    """What shop B has, to prove nothing of it changed."""
    tables = (
        ApiKey,
        CarrierAccountRow,
        User,
        Invitation,
        Product,
        RecommendationRule,
        ChangeRequest,
        WebhookEndpoint,
        ImportRun,
        TemplateOverride,
    )
    state: dict[str, Any] = {}
    async with reading(engine) as conn:
        for model in tables:
            table = model.__table__
            rows = (await conn.execute(select(table).where(table.c.merchant_id == merchant_id))).all()
            state[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return state


def fill(path: str, kinds: dict[str, str], ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(ids[kinds[name]]) if name in kinds else NON_ID_PARAMS[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


async def test_shop_a_gets_404_for_every_id_of_shop_b(runtime) -> None:
    a_id, a_key = await make_merchant(runtime.engine, slug="shop-a")
    b_id, b_ids = await shop_b_objects(runtime)
    app = create_app(runtime.settings, runtime=runtime)
    cases = routes_with_ids(app)
    assert len(cases) >= 10  # the console's own routes alone are more than that
    before = await snapshot(runtime.engine, b_id)
    failures = []
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        csrf = await sign_in(client, runtime.engine, a_id)
        for method, template, kinds in cases:
            url = fill(template, kinds, b_ids)
            if template.startswith("/api/v1/"):
                headers = {"Authorization": f"Bearer {a_key}"}
                body = {"json": API_BODIES.get(template, {})} if method in ("POST", "PATCH", "PUT") else {}
                answer = await client.request(method, url, headers=headers, **body)
            elif method == "GET":
                answer = await client.get(url)
            else:
                form = {"label": "x", "name": "x", **FORMS.get(template, {}), "csrf_token": csrf}
                answer = await client.request(method, url, data=form)
            if answer.status_code != 404:
                failures.append(f"{method} {url} → {answer.status_code}")
    assert failures == [], failures
    assert await snapshot(runtime.engine, b_id) == before
