"""Fixtures for the notification engine: a fake Twilio on a loopback port wired into the runtime, and helpers."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, writing
from app.models import Merchant, Notification, Order
from app.runtime import Runtime
from notifications.channels.sms import TwilioSmsChannel
from notifications.fake_twilio import FakeTwilioState, create_fake_twilio_app
from tests.servers import serve

TWILIO_TOKEN = "notify-test-token"
SENDER = "+15005550006"


@dataclass
class FakeTwilio:
    base: str
    sid: str
    state: FakeTwilioState


@pytest.fixture
async def twilio(runtime: Runtime) -> AsyncIterator[FakeTwilio]:
    """The fake Twilio API, with the runtime's SMS channel pointed at it."""
    sid = "AC" + secrets.token_hex(16)
    app = create_fake_twilio_app(sid, TWILIO_TOKEN)
    async with serve(app) as base:
        runtime.channels["sms"] = TwilioSmsChannel(sid, TWILIO_TOKEN, SENDER, api_base_url=base, timeout=3.0)
        runtime.settings = runtime.settings.model_copy(
            update={"twilio_account_sid": sid, "twilio_auth_token": TWILIO_TOKEN, "twilio_from_number": SENDER}
        )
        yield FakeTwilio(base, sid, app.state.fake)
        await runtime.channels.pop("sms").close()
        await app.state.fake.drain()


async def set_order(engine: AsyncEngine, order_id: int, **values: Any) -> None:
    async with writing(engine) as conn:
        await conn.execute(update(Order.__table__).where(Order.__table__.c.id == order_id).values(**values))


async def set_merchant(engine: AsyncEngine, merchant_id: int, **values: Any) -> None:
    async with writing(engine) as conn:
        await conn.execute(update(Merchant.__table__).where(Merchant.__table__.c.id == merchant_id).values(**values))


async def outbox_of(engine: AsyncEngine, order_id: int) -> list[Any]:
    table = Notification.__table__
    async with reading(engine) as conn:
        query = select(table).where(table.c.order_id == order_id).order_by(table.c.id)
        return list((await conn.execute(query)).all())
