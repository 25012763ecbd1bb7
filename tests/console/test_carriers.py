"""Carrier accounts page: credentials sealed and never shown back, edits keep unchanged secrets, and the
test-connection button reports in words what the real (sandbox) carrier answered."""

from __future__ import annotations

from sqlalchemy import select

from app.db import reading
from app.models import CarrierAccountRow
from app.security.crypto import unseal
from tests.console_support import sign_in
from tests.factories import make_merchant


async def _rows(engine):  # type: ignore[no-untyped-def]
    async with reading(engine) as conn:
        return list((await conn.execute(select(CarrierAccountRow.__table__))).all())


async def test_add_test_edit_and_remove_a_carrier_account(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = await client.get("/console/carriers/new", params={"carrier": "sandbox"})
    assert form.status_code == 200 and 'name="credential_api_key"' in form.text
    missing = await client.post("/console/carriers", data={"carrier": "sandbox", "label": "Main", "csrf_token": csrf})
    assert missing.status_code == 400 and "API key: is required" in missing.text and 'value="Main"' in missing.text
    wrong = {"carrier": "sandbox", "label": "Main", "credential_api_key": "wrong-key-123", "csrf_token": csrf}
    assert (await client.post("/console/carriers", data=wrong)).status_code == 303
    [row] = await _rows(runtime.engine)
    assert b"wrong-key-123" not in row.credentials
    assert unseal(runtime.credentials_key, merchant_id, "sandbox", row.credentials) == {"api_key": "wrong-key-123"}
    listing = await client.get("/console/carriers")
    assert "wrong-key-123" not in listing.text and "Main" in listing.text
    edit = await client.get(f"/console/carriers/{row.id}")
    assert "wrong-key-123" not in edit.text  # write-only
    tested = await client.post(f"/console/carriers/{row.id}/test", data={"csrf_token": csrf})
    assert "Authentication failed" in tested.text
    fixed = await client.post(
        f"/console/carriers/{row.id}",
        data={"label": "Main", "credential_api_key": "test-sandbox-key", "csrf_token": csrf},
    )
    assert fixed.status_code == 303
    tested = await client.post(f"/console/carriers/{row.id}/test", data={"csrf_token": csrf})
    assert "Connected: the carrier answered" in tested.text
    relabel = await client.post(f"/console/carriers/{row.id}", data={"label": "Renamed", "csrf_token": csrf})
    assert relabel.status_code == 303
    [row] = await _rows(runtime.engine)
    assert row.label == "Renamed"
    assert unseal(runtime.credentials_key, merchant_id, "sandbox", row.credentials) == {"api_key": "test-sandbox-key"}
    gone = await client.post(f"/console/carriers/{row.id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303 and await _rows(runtime.engine) == []


async def test_unreachable_carrier_is_reported_as_a_network_error(client, runtime) -> None:
    runtime.settings.carrier_allowed_networks = "127.0.0.0/8"  # the operator allows loopback carriers here
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {
        "carrier": "sandbox",
        "credential_api_key": "k",
        "base_url": "http://127.0.0.1:9/nothing-listens-here",
        "csrf_token": csrf,
    }
    await client.post("/console/carriers", data=data)
    [row] = await _rows(runtime.engine)
    tested = await client.post(f"/console/carriers/{row.id}/test", data={"csrf_token": csrf})
    assert "Network error" in tested.text


async def test_other_carriers_need_https_and_their_own_fields(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    form = await client.get("/console/carriers/new", params={"carrier": "ups"})
    assert 'name="credential_client_secret"' in form.text
    data = {"carrier": "ups", "credential_client_id": "id", "base_url": "http://ups.example", "csrf_token": csrf}
    answer = await client.post("/console/carriers", data=data)
    assert answer.status_code == 400 and "must start with https://" in answer.text
    assert "Client secret: is required" in answer.text
    unknown = await client.post("/console/carriers", data={"carrier": "pigeon", "csrf_token": csrf})
    assert unknown.status_code == 400 and "Carrier: is not one we support" in unknown.text


async def test_a_base_address_into_the_servers_own_network_is_refused(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    refused = {
        "http://127.0.0.1:5432/": "a loopback address",
        "http://10.1.2.3/": "a private address",
        "http://169.254.169.254/latest/": "a cloud metadata address",
        "http://localhost:6379/": "resolves to a loopback address",
    }
    for url, reason in refused.items():
        data = {"carrier": "sandbox", "credential_api_key": "k", "base_url": url, "csrf_token": csrf}
        answer = await client.post("/console/carriers", data=data)
        assert answer.status_code == 400 and reason in answer.text, url
    assert await _rows(runtime.engine) == []
    runtime.settings.carrier_allowed_networks = "127.0.0.0/8"  # listed by the operator: saved
    data = {"carrier": "sandbox", "credential_api_key": "k", "base_url": "http://127.0.0.1:9/", "csrf_token": csrf}
    assert (await client.post("/console/carriers", data=data)).status_code == 303
    [row] = await _rows(runtime.engine)
    runtime.settings.carrier_allowed_networks = ""  # no longer listed: the test refuses to call it
    tested = await client.post(f"/console/carriers/{row.id}/test", data={"csrf_token": csrf})
    assert "Base address not allowed: points to a loopback address" in tested.text
    edit = {"label": "x", "base_url": "http://127.0.0.1:9/", "csrf_token": csrf}
    assert (await client.post(f"/console/carriers/{row.id}", data=edit)).status_code == 400
