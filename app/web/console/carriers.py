"""Carrier accounts: write-only credentials sealed at rest, and a test-connection button."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading, writing
from app.integrations.ssrf import UnsafeUrl, UrlPolicy, resolve
from app.merchants import url_problem
from app.models import CarrierAccountRow, Shipment
from app.security.crypto import CredentialsError, seal, unseal
from app.web.console.framework import aware_rows, engine_of, not_found, now_utc, page, render
from carriers import registry
from carriers.base import CarrierAccount
from carriers.errors import CarrierAuthError, CarrierBadResponse, CarrierError, CarrierRateLimited
from carriers.result import ErrorKind

log = logging.getLogger(__name__)

# Credential fields each carrier's adapter reads (the optional ones may be left empty).
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    "sandbox": ("api_key",),
    "ups": ("client_id", "client_secret", "merchant_id"),
    "fedex": ("client_id", "client_secret"),
    "usps": ("client_id", "client_secret"),
    "dhl": ("api_key",),
    "laposte": ("api_key",),
    "canadapost": ("username", "password"),
    "auspost": ("api_key", "password", "account_number"),
    "royalmail": ("client_id", "client_secret"),
    "easypost": ("api_key",),
    "shippo": ("api_key",),
    "aftership": ("api_key",),
    "track17": ("api_key",),
}
OPTIONAL_FIELDS = {("ups", "merchant_id")}
FIELD_LABELS = {
    "api_key": "API key",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "merchant_id": "Account number (optional)",
    "username": "User name",
    "password": "Password",
    "account_number": "Account number",
}
SAMPLE_NUMBER = "TESTCONNECTION0001"
TEST_TIMEOUT = 20.0
C = CarrierAccountRow.__table__.c


def carriers_offered() -> list[tuple[str, str]]:
    return [(code, registry.display_name(code)) for code in registry.available() if code in CREDENTIAL_FIELDS]


async def _accounts(request: Request) -> list[dict[str, Any]]:
    query = (
        select(C.id, C.carrier, C.label, C.base_url, C.created_at)
        .where(C.merchant_id == request.state.user.merchant_id)
        .order_by(C.carrier, C.id)
    )
    async with reading(engine_of(request)) as conn:
        rows = aware_rows((await conn.execute(query)).all())
    for row in rows:
        row["carrier_name"] = _name(row["carrier"])
    return rows


def _name(code: str) -> str:
    try:
        return registry.display_name(code)
    except (KeyError, ModuleNotFoundError, AttributeError):
        return code


async def _account(request: Request) -> Any | None:
    query = select(CarrierAccountRow.__table__).where(
        C.id == request.path_params["account_id"], C.merchant_id == request.state.user.merchant_id
    )
    async with reading(engine_of(request)) as conn:
        return (await conn.execute(query)).first()


async def _list_page(request: Request, *, test: dict[str, Any] | None = None, status: int = 200) -> Response:
    context = {"accounts": await _accounts(request), "offered": carriers_offered(), "test": test}
    return render(request, "console/carriers.html", context, status_code=status)


def _form_page(request: Request, *, carrier: str, values: dict[str, str], errors: dict[str, str],
               account: Any = None, status: int = 200) -> Response:  # fmt: skip
    fields = [(name, FIELD_LABELS.get(name, name)) for name in CREDENTIAL_FIELDS[carrier]]
    context = {
        "carrier": carrier,
        "carrier_name": _name(carrier),
        "fields": fields,
        "values": values,
        "errors": errors,
        "account": account,
    }
    return render(request, "console/carriers_form.html", context, status_code=status)


@page()
async def list_accounts(request: Request) -> Response:
    return await _list_page(request)


@page()
async def new_account(request: Request) -> Response:
    carrier = request.query_params.get("carrier", "")
    if carrier not in dict(carriers_offered()):
        return await _list_page(request)
    return _form_page(request, carrier=carrier, values={"label": "", "base_url": ""}, errors={})


def _read_form(form: Any, carrier: str, *, keep_blank: bool) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(label/base_url values, credentials typed, errors). Blank credentials are errors unless kept from before."""
    values = {"label": str(form.get("label", "")).strip(), "base_url": str(form.get("base_url", "")).strip()}
    errors: dict[str, str] = {}
    if len(values["label"]) > 100:
        errors["label"] = "must be at most 100 characters"
    if values["base_url"] and (problem := url_problem(values["base_url"])):
        errors["base_url"] = problem
    elif values["base_url"].startswith("http://") and carrier != "sandbox":
        errors["base_url"] = "must start with https:// (credentials never travel in clear)"
    credentials: dict[str, str] = {}
    for name in CREDENTIAL_FIELDS[carrier]:
        value = str(form.get(f"credential_{name}", "")).strip()
        if len(value) > 2000:
            errors[name] = "must be at most 2000 characters"
        elif value:
            credentials[name] = value
        elif not keep_blank and (carrier, name) not in OPTIONAL_FIELDS:
            errors[name] = "is required"
    return values, credentials, errors


def carrier_url_policy(settings: Any, carrier: str) -> UrlPolicy:
    """Where a merchant-set carrier base address may point: public addresses (http only for the sandbox carrier),
    plus the private networks the operator lists in `carrier_allowed_networks`."""
    listed = (n.strip() for n in str(settings.carrier_allowed_networks or "").split(","))
    networks = tuple(ipaddress.ip_network(n, strict=False) for n in listed if n)
    return UrlPolicy(allow_http=carrier == "sandbox", allowed_networks=networks)


async def base_url_problem(request: Request, carrier: str, base_url: str) -> str:
    """Why this base address may not be called ("" when it may): the host is resolved and every address checked, so
    a merchant cannot point the platform's server at its own network."""
    if not base_url:
        return ""
    try:
        await resolve(base_url, carrier_url_policy(request.app.state.runtime.settings, carrier))
    except UnsafeUrl as exc:
        return f"not allowed: {exc.reason}"
    return ""


@page()
async def create_account(request: Request) -> Response:
    form = await request.form()
    carrier = str(form.get("carrier", ""))
    if carrier not in dict(carriers_offered()):
        return await _list_page(request, test={"ok": False, "message": "Carrier: is not one we support"}, status=400)
    values, credentials, errors = _read_form(form, carrier, keep_blank=False)
    if not errors and (problem := await base_url_problem(request, carrier, values["base_url"])):
        errors["base_url"] = problem
    if errors:
        return _form_page(request, carrier=carrier, values=values, errors=errors, status=400)
    rt = request.app.state.runtime
    merchant_id = request.state.user.merchant_id
    sealed = seal(rt.credentials_key, merchant_id, carrier, credentials)
    async with writing(engine_of(request)) as conn:
        await conn.execute(
            CarrierAccountRow.__table__.insert().values(
                merchant_id=merchant_id, carrier=carrier, label=values["label"], base_url=values["base_url"],
                credentials=sealed, options={}, created_at=now_utc(),
            )
        )  # fmt: skip
    rt.forget_adapters()
    return RedirectResponse("/console/carriers", status_code=303)


@page()
async def edit_account(request: Request) -> Response:
    account = await _account(request)
    if account is None or account.carrier not in CREDENTIAL_FIELDS:
        return not_found(request)
    if request.method == "GET":
        values = {"label": account.label, "base_url": account.base_url}
        return _form_page(request, carrier=account.carrier, values=values, errors={}, account=account)
    form = await request.form()
    values, typed, errors = _read_form(form, account.carrier, keep_blank=True)
    if not errors and (problem := await base_url_problem(request, account.carrier, values["base_url"])):
        errors["base_url"] = problem
    if errors:
        return _form_page(request, carrier=account.carrier, values=values, errors=errors, account=account, status=400)
    rt = request.app.state.runtime
    try:
        credentials = {**unseal(rt.credentials_key, account.merchant_id, account.carrier, account.credentials), **typed}
    except CredentialsError:
        credentials = typed  # the stored set can no longer be read: only what was typed now counts
    sealed = seal(rt.credentials_key, account.merchant_id, account.carrier, credentials)
    async with writing(engine_of(request)) as conn:
        await conn.execute(
            update(CarrierAccountRow.__table__)
            .where(C.id == account.id, C.merchant_id == account.merchant_id)
            .values(label=values["label"], base_url=values["base_url"], credentials=sealed)
        )
    rt.forget_adapters()
    return RedirectResponse("/console/carriers", status_code=303)


@page()
async def delete_account(request: Request) -> Response:
    account = await _account(request)
    if account is None:
        return not_found(request)
    shipments = Shipment.__table__
    async with writing(engine_of(request)) as conn:
        await conn.execute(
            update(shipments)
            .where(shipments.c.carrier_account_id == account.id, shipments.c.merchant_id == account.merchant_id)
            .values(carrier_account_id=None)
        )
        await conn.execute(delete(CarrierAccountRow.__table__).where(C.id == account.id))
    request.app.state.runtime.forget_adapters()
    return RedirectResponse("/console/carriers", status_code=303)


@page()
async def test_account(request: Request) -> Response:
    account = await _account(request)
    if account is None:
        return not_found(request)
    rt = request.app.state.runtime
    try:
        credentials = unseal(rt.credentials_key, account.merchant_id, account.carrier, account.credentials)
    except CredentialsError:
        return await _list_page(request, test=_outcome(account, False, "cannot_decrypt"))
    if problem := await base_url_problem(request, account.carrier, account.base_url):  # DNS may have changed
        return await _list_page(request, test={"ok": False, "message": f"Base address {problem}."})
    base_url = account.base_url or (rt.settings.sandbox_url if account.carrier == "sandbox" else "")
    adapter = registry.adapter_class(account.carrier)(
        CarrierAccount(account.carrier, credentials, base_url=base_url, options=dict(account.options)), rt.http
    )
    ok, kind, seconds = await connection_check(adapter)
    return await _list_page(request, test=_outcome(account, ok, kind, seconds))


async def connection_check(adapter: Any) -> tuple[bool, str, float | None]:
    """(reachable with these credentials, outcome kind, retry-after seconds) from one real call to the carrier."""
    try:
        async with asyncio.timeout(TEST_TIMEOUT):
            if hasattr(adapter, "check"):
                await adapter.check()
                return True, "connected", None
            results = await adapter.track([SAMPLE_NUMBER])
    except CarrierAuthError:
        return False, "auth", None
    except CarrierRateLimited as exc:
        return False, "rate_limited", exc.retry_after
    except CarrierBadResponse:
        return False, "bad_response", None
    except (CarrierError, httpx.HTTPError, OSError, TimeoutError):
        return False, "network", None
    kinds = {r.error for r in results}
    if ErrorKind.AUTH in kinds:
        return False, "auth", None
    if ErrorKind.RATE_LIMITED in kinds:
        return False, "rate_limited", None
    if ErrorKind.UNAVAILABLE in kinds:
        return False, "network", None
    return True, "connected", None


MESSAGES = {
    "connected": "Connected: the carrier answered and accepted the credentials.",
    "auth": "Authentication failed: the carrier refused these credentials. Check them and save again.",
    "rate_limited": "Rate limited: the carrier asks us to slow down. The credentials may be fine; try again later.",
    "network": "Network error: the carrier could not be reached or did not answer in time.",
    "bad_response": "Reachable, but the carrier's answer was not understood (check the base address).",
    "cannot_decrypt": "The stored credentials can no longer be decrypted (the server's key changed); enter them again.",
}


def _outcome(account: Any, ok: bool, kind: str, seconds: float | None = None) -> dict[str, Any]:
    return {
        "ok": ok,
        "account_id": account.id,
        "carrier_name": _name(account.carrier),
        "message": MESSAGES[kind],
        "retry_after": int(seconds) if seconds else None,
    }


routes: list[BaseRoute] = [
    Route("/carriers", list_accounts),
    Route("/carriers", create_account, methods=["POST"]),
    Route("/carriers/new", new_account),
    Route("/carriers/{account_id:int}", edit_account, methods=["GET", "POST"]),
    Route("/carriers/{account_id:int}/delete", delete_account, methods=["POST"]),
    Route("/carriers/{account_id:int}/test", test_account, methods=["POST"]),
]
