"""What the dispatcher remembers between messages never outlives a change: a shop rebranded between two ticks
sends its next email in the new colours and name, and recipients sharing a rendered shape get their own values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.db import writing
from app.notify.dispatcher import dispatch_once
from tests.factories import add_pending_email, make_merchant
from tests.notify.conftest import set_merchant


async def add_email(engine: Any, merchant_id: int, n: int, name: str) -> None:
    async with writing(engine) as conn:
        await add_pending_email(
            conn,
            merchant_id,
            f"R{n}",
            f"shopper{n}@example.com",
            datetime.now(UTC),
            customer_name=name,
            context={"status": "delivered"},
        )


async def test_a_rebrand_between_ticks_shows_in_the_next_email(runtime, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine, primary_color="#1f4e79")
    await add_email(runtime.engine, merchant_id, 1, "Alex Doe")
    await add_email(runtime.engine, merchant_id, 2, "Sam Roe")
    assert (await dispatch_once(runtime)).outcomes == {"sent": 2}
    await set_merchant(runtime.engine, merchant_id, primary_color="#aa0000", name="Acme Reborn")
    await add_email(runtime.engine, merchant_id, 3, "Kim Poe")
    assert (await dispatch_once(runtime)).outcomes == {"sent": 1}
    mails = {m.recipients[0]: m for m in catcher.messages}
    first, second, third = (mails[f"shopper{n}@example.com"] for n in (1, 2, 3))
    assert "Hi Alex," in first.part("plain") and "Hi Sam," in second.part("plain")
    assert "#R1" in str(first.message["subject"]) and "#R2" in str(second.message["subject"])
    assert "#1f4e79" in first.part("html") and "#aa0000" not in first.part("html")
    assert "#aa0000" in third.part("html") and "Acme Reborn" in str(third.message["subject"])
    assert "Hi Kim," in third.part("plain")
