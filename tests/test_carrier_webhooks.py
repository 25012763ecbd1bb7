"""Carrier pushes over HTTP: verified on raw bytes, stored once, then applied exactly as a poll applies a reply."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db import reading, writing
from app.ingest.shipments import create_shipment
from app.models import CarrierAccountRow, CarrierWebhookInbox, Order, Shipment
from app.runtime import Runtime
from app.scheduler import build_scheduler
from app.security.crypto import seal
from app.tracking.apply import apply_results
from app.tracking.claim import CLAIMED_COLUMNS
from app.tracking.push import PUSH_CARRIERS, cleanup_inbox, process_inbox, webhook_module
from app.web.app import create_app
from tests.carriers.samples import sample
from tests.factories import events_of, make_merchant, notifications_of, shipment_input, shipment_row
from tests.servers import serve

EP_SECRET = "ep-webhook-secret-0001"
AS_SECRET = "as-webhook-secret-0001"
T17_KEY = "t17-api-key-0001"
UPS_SECRET = "ups-alert-credential-0001"
SHIPPO_SECRET = "shippo-url-token-0001"


# Bodies: the recorded carrier samples, re-addressed to a tracking number the test creates.


def easypost_body(number: str) -> bytes:
    event = json.loads(sample("easypost", "webhook_event_tracker_updated.json"))
    event["result"]["tracking_code"] = number
    return json.dumps(event).encode()


def aftership_body(number: str) -> bytes:
    event = json.loads(sample("aftership", "webhook_tracking_update_doc_example_trimmed.json"))
    event["msg"]["tracking_number"] = number
    return json.dumps(event, indent=2).encode()


def track17_body(number: str) -> bytes:
    event = json.loads(sample("17track", "webhook_tracking_updated_ups_delivered.json"))
    event["data"]["number"] = number
    return json.dumps(event).encode()


def ups_alert(name: str, number: str) -> dict[str, Any]:
    alerts = json.loads(sample("ups", "trackalert_webhook_examples_out_for_delivery_and_delivered.json"))
    return {**alerts[name], "trackingNumber": number}


def ups_body(number: str) -> bytes:
    return json.dumps(ups_alert("Out for delivery message", number)).encode()


def shippo_body(number: str) -> bytes:
    track = json.loads(sample("shippo", "tracks_get_usps_delivered.json"))["response_body"]
    track["tracking_number"] = number
    return json.dumps({"event": "track_updated", "test": False, "data": track}).encode()


# Signatures, computed here from each carrier's documentation rather than with the code under test.


def easypost_sign(raw: bytes, secret: str = EP_SECRET) -> dict[str, str]:
    return {"X-Hmac-Signature": "hmac-sha256-hex=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}


def aftership_sign(raw: bytes, secret: str = AS_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return {"aftership-hmac-sha256": base64.b64encode(digest).decode()}


def track17_sign(raw: bytes, secret: str = T17_KEY) -> dict[str, str]:
    return {"sign": hashlib.sha256(raw + b"/" + secret.encode()).hexdigest()}


def ups_sign(raw: bytes, secret: str = UPS_SECRET) -> dict[str, str]:
    return {"credential": secret}


@dataclass(frozen=True)
class Case:
    carrier: str
    credentials: dict[str, str]
    body: Callable[[str], bytes]
    sign: Callable[..., dict[str, str]] = lambda raw, secret="": {}  # Shippo: a URL token, no header


CASES = {
    "easypost": Case("easypost", {"api_key": "EZAK-test", "webhook_secret": EP_SECRET}, easypost_body, easypost_sign),
    "aftership": Case("aftership", {"api_key": "as-key", "webhook_secret": AS_SECRET}, aftership_body, aftership_sign),
    "track17": Case("track17", {"api_key": T17_KEY}, track17_body, track17_sign),
    "ups": Case(
        "ups",
        {"client_id": "id", "client_secret": "s", "webhook_secret": UPS_SECRET},
        ups_body,
        ups_sign,
    ),
    "shippo": Case("shippo", {"api_key": "shippo_test", "webhook_secret": SHIPPO_SECRET}, shippo_body),
}
SIGNED = ["easypost", "aftership", "track17"]


def params(case: Case, token: str | None = None) -> dict[str, str]:
    if case.carrier != "shippo":
        return {}
    return {"token": SHIPPO_SECRET if token is None else token}


@pytest.fixture
async def web(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on a loopback port; processing is left to explicit process_inbox calls on the test clock."""
    app = create_app(runtime.settings, runtime=runtime)
    app.state.carrier_push_inline = False
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client


async def add_account(rt: Runtime, merchant_id: int, carrier: str, credentials: dict[str, str]) -> int:
    blob = seal(rt.credentials_key, merchant_id, carrier, credentials)
    async with writing(rt.engine) as conn:
        inserted = await conn.execute(
            CarrierAccountRow.__table__.insert().values(
                merchant_id=merchant_id, carrier=carrier, label="", credentials=blob, base_url="", options={}
            )
        )
    return int(inserted.inserted_primary_key[0])


async def add_shipment(rt: Runtime, merchant_id: int, carrier: str, number: str, order: str, now: datetime) -> int:
    data = shipment_input(number, order_number=order, carrier=carrier)
    made = await create_shipment(
        rt.engine, merchant_id=merchant_id, data=data, secret_key=rt.settings.secret_key, now=now
    )
    return made.shipment_id


async def inbox(rt: Runtime) -> list[Any]:
    table = CarrierWebhookInbox.__table__
    async with reading(rt.engine) as conn:
        return list((await conn.execute(select(table).order_by(table.c.id))).all())


async def claimed_row(rt: Runtime, shipment_id: int) -> Any:
    sh, orders = Shipment.__table__, Order.__table__
    query = select(*CLAIMED_COLUMNS).join(orders, orders.c.id == sh.c.order_id).where(sh.c.id == shipment_id)
    async with reading(rt.engine) as conn:
        return (await conn.execute(query)).one()


def newest_event(case: Case, raw: bytes) -> datetime:
    module = webhook_module(case.carrier)
    assert module is not None
    return max(e.time for r in module.parse_webhook(raw) for e in r.events)


STATE = (
    "status",
    "substatus",
    "action_required",
    "status_changed_at",
    "service",
    "estimate_earliest",
    "estimate_latest",
    "first_estimate",
    "delivered_at",
    "signed_by",
    "last_event_at",
    "lease_until",
    "poll_failures",
    "last_error",
    "not_found_since",
)


async def observed(rt: Runtime, shipment_id: int) -> tuple[Any, ...]:
    """Everything a poll writes about one shipment, without ids and number-derived fingerprints."""
    row = await shipment_row(rt.engine, shipment_id)
    events = [
        (e.occurred_at, e.status, e.substatus, e.carrier_code, e.description, e.location, e.local_time)
        for e in await events_of(rt.engine, shipment_id)
    ]
    notes = [
        (n.trigger, n.channel, n.recipient, n.state, n.context) for n in await notifications_of(rt.engine, shipment_id)
    ]
    return tuple(getattr(row, name) for name in STATE), events, notes


async def post(web: httpx.AsyncClient, case: Case, account_id: int, raw: bytes, **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", None)
    headers = case.sign(raw) if headers is None else headers
    query = kw.pop("params", None)
    query = params(case) if query is None else query
    return await web.post(f"/webhooks/carriers/{case.carrier}/{account_id}", content=raw, headers=headers, params=query)


@pytest.mark.parametrize("carrier", list(CASES))
async def test_push_is_applied_exactly_as_a_poll_would(runtime: Runtime, web: httpx.AsyncClient, carrier: str) -> None:
    case = CASES[carrier]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, carrier, case.credentials)
    raw, twin_raw = case.body("PUSH000001"), case.body("POLL000001")
    when = newest_event(case, raw) + timedelta(hours=1)
    pushed = await add_shipment(runtime, merchant_id, carrier, "PUSH000001", "1001", when - timedelta(days=20))
    polled = await add_shipment(runtime, merchant_id, carrier, "POLL000001", "1002", when - timedelta(days=20))

    response = await post(web, case, account_id, raw)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    (row,) = await inbox(runtime)
    assert (row.carrier, row.carrier_account_id, row.merchant_id) == (carrier, account_id, merchant_id)
    assert row.body.encode() == raw and row.processed_at is None and row.error == ""
    assert (await shipment_row(runtime.engine, pushed)).status == "pending"  # nothing applied in the request

    report = await process_inbox(runtime, now=when)
    assert (report.claimed, report.processed, report.applied, report.failed, report.ignored) == (1, 1, 1, 0, 0)
    (row,) = await inbox(runtime)
    assert row.processed_at == when and row.error == "" and row.lease_until is None

    # The twin shipment gets the same reply the way a poll tick applies it.
    module = webhook_module(carrier)
    assert module is not None
    await apply_results(
        runtime.engine,
        carrier=carrier,
        shipments=[await claimed_row(runtime, polled)],
        results=module.parse_webhook(twin_raw),
        now=when,
        speed=runtime.speed_for(carrier),
    )
    state, events, notes = await observed(runtime, pushed)
    assert (state, events, notes) == await observed(runtime, polled)
    assert state[0] != "pending" and events and len(notes) == 1
    assert report.status_changes == 1 and report.notifications == 1 and report.new_events == len(events)


@pytest.mark.parametrize("carrier", SIGNED)
async def test_redelivery_is_stored_once_and_notifies_once(
    runtime: Runtime, web: httpx.AsyncClient, carrier: str
) -> None:
    case = CASES[carrier]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, carrier, case.credentials)
    raw = case.body("PUSH000002")
    when = newest_event(case, raw) + timedelta(hours=1)
    shipment_id = await add_shipment(runtime, merchant_id, carrier, "PUSH000002", "1001", when - timedelta(days=20))

    answers = [await post(web, case, account_id, raw) for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 10
    assert [a.json()["duplicate"] for a in answers] == [False] + [True] * 9
    assert len(await inbox(runtime)) == 1
    assert (await process_inbox(runtime, now=when)).processed == 1
    after_first = await observed(runtime, shipment_id)

    # A redelivery after processing is still recognised, and nothing is left to claim.
    assert (await post(web, case, account_id, raw)).json()["duplicate"] is True
    assert (await process_inbox(runtime, now=when + timedelta(minutes=1))).claimed == 0
    assert len(await inbox(runtime)) == 1
    assert await observed(runtime, shipment_id) == after_first
    assert len(after_first[2]) == 1


async def test_new_delivery_repeating_known_history_adds_nothing(runtime: Runtime, web: httpx.AsyncClient) -> None:
    """AfterShip re-sends the whole history with a new event id: stored and processed, no new event or message."""
    case = CASES["aftership"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "aftership", case.credentials)
    first = case.body("PUSH000003")
    when = newest_event(case, first) + timedelta(hours=1)
    shipment_id = await add_shipment(runtime, merchant_id, "aftership", "PUSH000003", "1001", when - timedelta(days=20))
    second = json.loads(first)
    second["event_id"] = "5f0e0000-0000-4000-8000-000000000002"
    second = json.dumps(second).encode()

    assert (await post(web, case, account_id, first)).status_code == 200
    assert (await process_inbox(runtime, now=when)).new_events == 1
    assert (await post(web, case, account_id, second)).json() == {"received": True, "duplicate": False}
    report = await process_inbox(runtime, now=when + timedelta(minutes=5))
    assert (report.processed, report.new_events, report.status_changes, report.notifications) == (1, 0, 0, 0)
    assert len(await events_of(runtime.engine, shipment_id)) == 1
    assert len(await notifications_of(runtime.engine, shipment_id)) == 1


@pytest.mark.parametrize("carrier", SIGNED)
async def test_unverified_pushes_are_refused_and_not_stored(
    runtime: Runtime, web: httpx.AsyncClient, carrier: str
) -> None:
    case = CASES[carrier]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, carrier, case.credentials)
    shipment_id = await add_shipment(runtime, merchant_id, carrier, "PUSH000004", "1001", datetime.now().astimezone())
    raw = case.body("PUSH000004")
    signature = case.sign(raw)
    tampered = raw.replace(b"PUSH000004", b"PUSH000005", 1)
    assert len(tampered) == len(raw) and tampered != raw
    reserialised = json.dumps(json.loads(raw), indent=1).encode()
    assert json.loads(reserialised) == json.loads(raw) and reserialised != raw

    refusals = {
        "tampered": await post(web, case, account_id, tampered, headers=signature),
        "wrong secret": await post(web, case, account_id, raw, headers=case.sign(raw, "not-the-secret")),
        "re-serialised": await post(web, case, account_id, reserialised, headers=signature),
        "missing": await post(web, case, account_id, raw, headers={}),
        "empty": await post(web, case, account_id, raw, headers={name: "" for name in signature}),
    }
    assert {k: r.status_code for k, r in refusals.items()} == dict.fromkeys(refusals, 401)
    assert refusals["tampered"].json() == {"error": "signature does not match"}
    assert refusals["missing"].json() == {"error": "signature missing"}
    assert refusals["empty"].json() == {"error": "signature missing"}
    assert await inbox(runtime) == []
    assert (await process_inbox(runtime)).claimed == 0
    assert (await shipment_row(runtime.engine, shipment_id)).status == "pending"


@pytest.mark.parametrize("carrier", ["ups", "shippo"])
async def test_wrong_or_missing_credential_is_refused(runtime: Runtime, web: httpx.AsyncClient, carrier: str) -> None:
    case = CASES[carrier]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, carrier, case.credentials)
    raw = case.body("PUSH000006")
    if carrier == "ups":
        wrong = await post(web, case, account_id, raw, headers={"credential": UPS_SECRET + "x"})
        missing = await post(web, case, account_id, raw, headers={})
    else:
        wrong = await post(web, case, account_id, raw, params={"token": SHIPPO_SECRET[:-1]})
        missing = await post(web, case, account_id, raw, params={})
    assert (wrong.status_code, wrong.json()) == (401, {"error": "signature does not match"})
    assert (missing.status_code, missing.json()) == (401, {"error": "signature missing"})
    assert await inbox(runtime) == []


async def test_unknown_carrier_or_account_is_404(runtime: Runtime, web: httpx.AsyncClient) -> None:
    case = CASES["easypost"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "easypost", case.credentials)
    fedex_id = await add_account(runtime, merchant_id, "fedex", {"client_id": "a", "client_secret": "b"})
    raw = case.body("PUSH000007")
    headers = case.sign(raw)
    paths = [
        f"/webhooks/carriers/easypost/{account_id + fedex_id + 100}",  # no such account
        f"/webhooks/carriers/aftership/{account_id}",  # account of another carrier
        f"/webhooks/carriers/fedex/{fedex_id}",  # FedEx does not push here
        f"/webhooks/carriers/nope/{account_id}",
        "/webhooks/carriers/easypost/not-a-number",
    ]
    for path in paths:
        response = await web.post(path, content=raw, headers=headers)
        assert response.status_code == 404, path
    assert await inbox(runtime) == []
    assert (await post(web, case, account_id, raw)).status_code == 200


async def test_oversized_body_is_refused_with_413(runtime: Runtime, web: httpx.AsyncClient) -> None:
    case = CASES["easypost"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "easypost", case.credentials)
    event = json.loads(case.body("PUSH000008"))
    event["padding"] = "x" * (1024 * 1024)
    raw = json.dumps(event).encode()
    response = await post(web, case, account_id, raw)
    assert response.status_code == 413
    # Chunked, without a declared length: refused once the streamed bytes pass the cap.
    chunks = [raw[i : i + 65536] for i in range(0, len(raw), 65536)]

    async def stream() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    response = await web.post(f"/webhooks/carriers/easypost/{account_id}", content=stream(), headers=case.sign(raw))
    assert response.status_code == 413
    assert await inbox(runtime) == []


async def test_malformed_body_with_valid_signature_is_kept_with_its_error(
    runtime: Runtime, web: httpx.AsyncClient
) -> None:
    case = CASES["easypost"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "easypost", case.credentials)
    shipment_id = await add_shipment(
        runtime, merchant_id, "easypost", "PUSH000009", "1001", datetime.now().astimezone()
    )
    before = await observed(runtime, shipment_id)
    good = case.body("PUSH000010")
    broken = b'{"description": "tracker.updated", "result": {"tracking_code": "PUSH000009", "tracking_details": '

    assert (await post(web, case, account_id, broken)).status_code == 200
    assert (await post(web, case, account_id, good)).status_code == 200
    report = await process_inbox(runtime)
    # The bad row does not stop the tick: the good one behind it is processed (its number is not tracked here).
    assert (report.claimed, report.failed, report.processed, report.ignored) == (2, 1, 1, 1)
    bad, fine = await inbox(runtime)
    assert bad.processed_at is not None and bad.error.startswith("unparseable push: malformed carrier reply")
    assert fine.processed_at is not None and fine.error == ""
    assert await observed(runtime, shipment_id) == before
    assert (await process_inbox(runtime)).claimed == 0


async def test_push_only_touches_the_accounts_own_shop(runtime: Runtime, web: httpx.AsyncClient) -> None:
    case = CASES["easypost"]
    ours, _ = await make_merchant(runtime.engine, "ours")
    theirs, _ = await make_merchant(runtime.engine, "theirs")
    account_id = await add_account(runtime, ours, "easypost", case.credentials)
    raw = case.body("PUSH000011")
    when = newest_event(case, raw) + timedelta(hours=1)
    mine = await add_shipment(runtime, ours, "easypost", "PUSH000011", "1001", when - timedelta(days=20))
    other = await add_shipment(runtime, theirs, "easypost", "PUSH000011", "1001", when - timedelta(days=20))

    assert (await post(web, case, account_id, raw)).status_code == 200
    assert (await process_inbox(runtime, now=when)).applied == 1
    assert (await shipment_row(runtime.engine, mine)).status == "in_transit"
    assert (await shipment_row(runtime.engine, other)).status == "pending"
    assert await events_of(runtime.engine, other) == []


async def test_published_easypost_vector_is_accepted_through_http(runtime: Runtime, web: httpx.AsyncClient) -> None:
    """EasyPost's own signed bytes and NFKD secret; its tracking number is not one of ours, so it is ignored."""
    spec = json.loads(sample("easypost", "webhook_signature_test_vector.json"))
    raw = sample("easypost", spec["signed_body_file"])
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "easypost", {"webhook_secret": spec["webhook_secret"]})
    response = await web.post(
        f"/webhooks/carriers/easypost/{account_id}",
        content=raw,
        headers={spec["header_name"]: spec["expected_header_value"]},
    )
    assert response.status_code == 200, response.text
    (row,) = await inbox(runtime)
    assert row.delivery_key == f"easypost:{account_id}:evt_1"  # EasyPost's event id, not a body hash
    report = await process_inbox(runtime)
    assert (report.processed, report.results, report.ignored, report.applied) == (1, 1, 1, 0)


async def test_ups_alerts_in_one_push_are_applied_newest_last(runtime: Runtime, web: httpx.AsyncClient) -> None:
    case = CASES["ups"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "ups", case.credentials)
    number = "1Z204W4R0308071865"
    raw = json.dumps([ups_alert("Delivery message", number), ups_alert("Out for delivery message", number)]).encode()
    when = newest_event(case, raw) + timedelta(hours=1)
    shipment_id = await add_shipment(runtime, merchant_id, "ups", number, "1001", when - timedelta(days=5))
    assert (await post(web, case, account_id, raw)).status_code == 200
    assert (await process_inbox(runtime, now=when)).applied == 1
    row = await shipment_row(runtime.engine, shipment_id)
    assert (row.status, row.signed_by) == ("delivered", "John")
    assert [e.status for e in await events_of(runtime.engine, shipment_id)] == ["out_for_delivery", "delivered"]
    assert [n.trigger for n in await notifications_of(runtime.engine, shipment_id)] == ["delivered"]


async def test_delivery_is_processed_right_after_the_answer(runtime: Runtime) -> None:
    """With inline processing on (the default), the background task has applied the push once the app is done."""
    case = CASES["track17"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "track17", case.credentials)
    shipment_id = await add_shipment(runtime, merchant_id, "track17", "PUSH000012", "1001", datetime.now().astimezone())
    raw = case.body("PUSH000012")
    app = create_app(runtime.settings, runtime=runtime)
    # ASGITransport returns only once the app, background task included, has finished.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test") as client:
        response = await post(client, case, account_id, raw)
    assert response.status_code == 200
    (row,) = await inbox(runtime)
    assert row.processed_at is not None and row.error == ""
    assert (await shipment_row(runtime.engine, shipment_id)).status == "delivered"
    assert len(await events_of(runtime.engine, shipment_id)) == 5


async def test_undecryptable_credentials_answer_503_so_the_carrier_retries(
    runtime: Runtime, web: httpx.AsyncClient
) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    blob = seal(b"k" * 32, merchant_id, "easypost", {"webhook_secret": EP_SECRET})
    async with writing(runtime.engine) as conn:
        inserted = await conn.execute(
            CarrierAccountRow.__table__.insert().values(
                merchant_id=merchant_id, carrier="easypost", credentials=blob, label="", base_url="", options={}
            )
        )
    raw = easypost_body("PUSH000013")
    response = await post(web, CASES["easypost"], int(inserted.inserted_primary_key[0]), raw)
    assert response.status_code == 503
    assert await inbox(runtime) == []


def test_every_push_carrier_has_a_webhook_module_and_a_scheduler_tick(runtime: Runtime) -> None:
    assert all(webhook_module(code) is not None for code in PUSH_CARRIERS)
    assert webhook_module("fedex") is None and webhook_module("sandbox") is None
    assert build_scheduler(runtime).get_job("push") is not None


async def test_concurrent_processors_share_the_inbox_without_overlap(runtime: Runtime, web: httpx.AsyncClient) -> None:
    case = CASES["aftership"]
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "aftership", case.credentials)
    numbers = [f"PUSH0001{i:02d}" for i in range(8)]
    when = newest_event(case, case.body(numbers[0])) + timedelta(hours=1)
    shipments = [
        await add_shipment(runtime, merchant_id, "aftership", n, f"O{i}", when - timedelta(days=20))
        for i, n in enumerate(numbers)
    ]
    for i, number in enumerate(numbers):
        event = json.loads(case.body(number))
        event["event_id"] = f"event-{i}"
        assert (await post(web, case, account_id, json.dumps(event).encode())).status_code == 200

    # Three processors of two rows each: six distinct rows claimed, none twice, two left for the next tick.
    reports = await asyncio.gather(*(process_inbox(runtime, now=when, limit=2) for _ in range(3)))
    assert sum(r.claimed for r in reports) == sum(r.processed for r in reports) == 6
    rest = await process_inbox(runtime, now=when)
    assert rest.claimed == 2
    assert all(row.processed_at is not None for row in await inbox(runtime))
    for shipment_id in shipments:
        assert len(await notifications_of(runtime.engine, shipment_id)) == 1


async def test_cleanup_deletes_only_deliveries_processed_over_a_week_ago_in_batches(
    runtime: Runtime, clock: Any
) -> None:
    now = clock.now
    merchant_id, _ = await make_merchant(runtime.engine)
    account_id = await add_account(runtime, merchant_id, "easypost", {"api_key": "k", "webhook_secret": EP_SECRET})
    ages = {"old": timedelta(days=7, minutes=1), "week": timedelta(days=6, hours=23), "fresh": timedelta(hours=1)}
    rows = [
        {
            "carrier": "easypost",
            "carrier_account_id": account_id,
            "merchant_id": merchant_id,
            "delivery_key": f"easypost:{account_id}:{label}:{i}",
            "body": "{}",
            "received_at": now - age,
            "processed_at": now - age if label != "fresh" else None,  # fresh ones are still pending
            "attempts": 1,
        }
        for label, age in ages.items()
        for i in range(5)
    ]
    async with writing(runtime.engine) as conn:
        await conn.execute(CarrierWebhookInbox.__table__.insert(), rows)

    assert await cleanup_inbox(runtime.engine, now, batch=2) == 5  # three batches: 2, 2, 1
    kept = [row.delivery_key.split(":")[2] for row in await inbox(runtime)]
    assert sorted(set(kept)) == ["fresh", "week"] and len(kept) == 10
    assert await cleanup_inbox(runtime.engine, now) == 0
    assert await cleanup_inbox(runtime.engine, now + timedelta(days=1)) == 5  # the week-old ones age out next
