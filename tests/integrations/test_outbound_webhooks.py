"""Outbound webhooks: queued in the poll's transaction, signed (Standard Webhooks), delivered, retried, logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, writing
from app.integrations.endpoints import EndpointIn, create_endpoint, recent_attempts
from app.integrations.outbound import BACKOFF, MAX_ATTEMPTS, deliver_once, queue_event
from app.models import Order, Shipment, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.runtime import Runtime
from app.tracking.apply import apply_results
from app.tracking.claim import CLAIMED_COLUMNS
from carriers.result import TrackEvent, TrackResult
from carriers.status import Status
from tests.factories import add_shipment, make_merchant
from tests.integrations.conftest import Receiver

ALL = ["shipment.status_changed", "order.cancelled", "feedback.received", "change_request.created"]
DL = WebhookDelivery.__table__.c


def expected_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    """Standard Webhooks, from its specification: base64 HMAC-SHA256 of "id.timestamp.body" with the decoded key."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


async def endpoint(
    rt: Runtime, merchant_id: int, url: str, events: list[str] | None = None, *, enabled: bool = True
) -> tuple[int, str]:
    data = EndpointIn(url=url, description="", events=events or ALL, enabled=enabled)
    now = datetime.now(UTC)
    return await create_endpoint(rt.engine, merchant_id=merchant_id, data=data, key=rt.credentials_key, now=now)


async def move_to(rt: Runtime, shipment_id: int, status: Status, at: datetime) -> None:
    """Apply a carrier result through the real poll path (the same transaction that writes the status)."""
    query = (
        select(*CLAIMED_COLUMNS)
        .join(Order.__table__, Order.__table__.c.id == Shipment.__table__.c.order_id)
        .where(Shipment.__table__.c.id == shipment_id)
    )
    async with reading(rt.engine) as conn:
        row = (await conn.execute(query)).one()
    event = TrackEvent(time=at, status=status, carrier_code="X1", description="Departed facility", location="Lyon FR")
    result = TrackResult(tracking_number=row.tracking_number, status=status, events=[event])
    await apply_results(rt.engine, carrier=row.carrier, shipments=[row], results=[result], now=at, speed=1.0)


async def deliveries(engine: AsyncEngine) -> list[Any]:
    async with reading(engine) as conn:
        return list((await conn.execute(select(WebhookDelivery.__table__).order_by(DL.id))).all())


async def attempts(engine: AsyncEngine) -> list[Any]:
    async with reading(engine) as conn:
        table = WebhookAttempt.__table__
        return list((await conn.execute(select(table).order_by(table.c.id))).all())


async def test_status_change_is_delivered_signed_to_the_receiver(rt: Runtime, receiver: Receiver) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    _, secret = await endpoint(rt, merchant_id, receiver.url)
    created = await add_shipment(rt.engine, merchant_id, rt.settings.secret_key, "SBTRANSIT0001", order_number="A-17")
    at = datetime.now(UTC).replace(microsecond=0)
    await move_to(rt, created.shipment_id, Status.IN_TRANSIT, at)

    [queued] = await deliveries(rt.engine)
    assert (queued.state, queued.event_type, queued.attempts) == ("pending", "shipment.status_changed", 0)
    assert await deliver_once(rt) == 1

    [(headers, body)] = receiver.requests
    assert headers["webhook-signature"] == expected_signature(secret, headers, body)
    assert headers["webhook-id"] == queued.event_id
    assert abs(int(headers["webhook-timestamp"]) - at.timestamp()) < 60
    assert headers["content-type"] == "application/json"
    sent = json.loads(body)
    assert sent["type"] == "shipment.status_changed" and sent["id"] == queued.event_id
    data = sent["data"]
    assert (data["order_number"], data["tracking_number"], data["carrier"]) == ("A-17", "SBTRANSIT0001", "sandbox")
    assert (data["previous_status"], data["status"]) == ("pending", "in_transit")
    assert data["event"]["location"] == "Lyon FR"
    assert "alex@example.com" not in body.decode() and "Alex" not in body.decode()  # no customer PII

    [done] = await deliveries(rt.engine)
    assert (done.state, done.attempts, done.last_status) == ("delivered", 1, 204)
    [logged] = await recent_attempts(rt.engine, merchant_id)
    assert (logged.status_code, logged.error, logged.url) == (204, "", receiver.url)
    assert await deliver_once(rt) == 0  # nothing left


async def test_a_500_is_retried_after_the_backoff_with_the_same_id(rt: Runtime, receiver: Receiver) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    _, secret = await endpoint(rt, merchant_id, receiver.url)
    now = datetime.now(UTC)
    async with writing(rt.engine) as conn:
        event = {"event_type": "feedback.received", "payload": {"score": 5}, "event_id": "fb-1"}
        await queue_event(conn, merchant_id=merchant_id, now=now, **event)
    receiver.statuses = [500]
    assert await deliver_once(rt, now=now) == 1
    [row] = await deliveries(rt.engine)
    assert (row.state, row.attempts, row.last_status, row.last_error) == ("pending", 1, 500, "HTTP 500")
    assert row.next_attempt_at.replace(tzinfo=UTC) == now + BACKOFF[0]
    assert await deliver_once(rt, now=now + BACKOFF[0] - timedelta(seconds=1)) == 0  # not due yet
    assert await deliver_once(rt, now=now + BACKOFF[0]) == 1

    first, second = receiver.requests
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == "fb-1"
    for headers, body in receiver.requests:
        assert headers["webhook-signature"] == expected_signature(secret, headers, body)
    [row] = await deliveries(rt.engine)
    assert (row.state, row.attempts) == ("delivered", 2)
    assert [a.status_code for a in await attempts(rt.engine)] == [500, 204]


async def test_failing_receiver_is_given_up_after_the_last_attempt(rt: Runtime, receiver: Receiver) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    await endpoint(rt, merchant_id, receiver.url)
    now = datetime.now(UTC)
    async with writing(rt.engine) as conn:
        await queue_event(conn, merchant_id=merchant_id, event_type="order.cancelled", payload={"order": "9"}, now=now)
    receiver.statuses = [503] * MAX_ATTEMPTS
    for wait in (timedelta(0), *BACKOFF):
        now += wait
        assert await deliver_once(rt, now=now) == 1
    [row] = await deliveries(rt.engine)
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(await attempts(rt.engine)) == MAX_ATTEMPTS == len(receiver.requests)
    assert timedelta(hours=20) < sum(BACKOFF, timedelta()) <= timedelta(hours=24)
    assert await deliver_once(rt, now=now + timedelta(days=2)) == 0


async def test_queue_event_reaches_enabled_subscribed_endpoints_of_the_shop(rt: Runtime, receiver: Receiver) -> None:
    shop, _ = await make_merchant(rt.engine, "shop")
    other, _ = await make_merchant(rt.engine, "other")
    wanted, _ = await endpoint(rt, shop, receiver.url, ["feedback.received"])
    await endpoint(rt, shop, receiver.url, ["order.cancelled"])
    await endpoint(rt, shop, receiver.url, ["feedback.received"], enabled=False)
    await endpoint(rt, other, receiver.url, ["feedback.received"])
    now = datetime.now(UTC)
    async with writing(rt.engine) as conn:
        for _ in range(2):  # the same cause twice is one delivery
            await queue_event(
                conn, merchant_id=shop, event_type="feedback.received", payload={"score": 4}, now=now, event_id="fb-9"
            )
    assert [(d.endpoint_id, d.merchant_id) for d in await deliveries(rt.engine)] == [(wanted, shop)]


async def test_unknown_event_type_is_refused(rt: Runtime) -> None:
    shop, _ = await make_merchant(rt.engine)
    async with writing(rt.engine) as conn:
        try:
            await queue_event(conn, merchant_id=shop, event_type="order.exploded", payload={}, now=datetime.now(UTC))
        except ValueError as exc:
            assert "order.exploded" in str(exc)
        else:
            raise AssertionError("an unknown event type was queued")


async def test_status_changes_without_endpoints_queue_nothing(rt: Runtime) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    created = await add_shipment(rt.engine, merchant_id, rt.settings.secret_key, "SBTRANSIT0002")
    await move_to(rt, created.shipment_id, Status.IN_TRANSIT, datetime.now(UTC))
    assert await deliveries(rt.engine) == []


async def test_signing_secret_is_sealed_at_rest(rt: Runtime, receiver: Receiver) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    endpoint_id, secret = await endpoint(rt, merchant_id, receiver.url)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    async with reading(rt.engine) as conn:
        table = WebhookEndpoint.__table__
        stored = (await conn.execute(select(table.c.secret).where(table.c.id == endpoint_id))).scalar_one()
    assert secret.encode() not in stored and base64.b64decode(secret[6:]) not in stored


async def test_a_url_that_now_resolves_to_loopback_is_refused_at_delivery(rt: Runtime, receiver: Receiver) -> None:
    merchant_id, _ = await make_merchant(rt.engine)
    port = receiver.url.split(":")[2].split("/")[0]
    await endpoint(rt, merchant_id, f"http://localhost:{port}/hooks")
    now = datetime.now(UTC)
    async with writing(rt.engine) as conn:
        await queue_event(conn, merchant_id=merchant_id, event_type="feedback.received", payload={}, now=now)
    assert await deliver_once(rt) == 1
    [row] = await deliveries(rt.engine)
    assert row.state == "failed" and "resolves to a loopback address" in row.last_error
    assert receiver.requests == []
    assert row.attempts == 1 < MAX_ATTEMPTS  # a refused address is final at once, not retried like a 5xx
    assert await deliver_once(rt, now=now + timedelta(days=1)) == 0
