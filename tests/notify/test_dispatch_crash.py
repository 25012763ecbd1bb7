"""The dispatcher process is killed (SIGKILL) at each stage of a tick and at random moments, against a real SMTP
server and the fake Twilio API that log every receipt: no message is lost, and a message is doubled only when the
kill fell between the provider's acceptance and the commit. SQLite file shared by the processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import re
import secrets
import signal
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import make_engine, reading, writing
from app.models import Notification, Order, metadata
from notifications.fake_twilio import create_fake_twilio_app
from notifications.mail_catcher import MailCatcher, start_smtp
from tests.factories import make_merchant
from tests.servers import free_port, serve

TOKEN = "crash-test-token"
MESSAGE_ID = re.compile(r"<n(\d+)\.")


@dataclass
class Rig:
    url: str
    env: dict[str, str]
    catcher: MailCatcher
    twilio: Any

    def receipts(self, rows: dict[str, int]) -> Counter[int]:
        """How many times the providers received each outbox row."""
        got: Counter[int] = Counter()
        for mail in self.catcher.messages:
            got[int(MESSAGE_ID.match(str(mail.message["Message-ID"])).group(1))] += 1
        for sms in self.twilio.messages:
            got[rows[sms["to"]]] += 1
        return got

    async def worker(self, *extra: str, crash_at: str = "", kill_after: float | None = None) -> int:
        """Run one dispatcher process to its end (or kill it `kill_after` seconds after it is ready)."""
        env = {**self.env, "ORDERTRAIL_DISPATCH_CRASH_AT": crash_at}
        ready = WORKERS.Event()
        proc = WORKERS.Process(target=run_worker, args=(env, list(extra), ready))
        proc.start()
        assert await asyncio.to_thread(ready.wait, 60)  # imports done, about to claim
        if kill_after is not None:
            await asyncio.to_thread(proc.join, kill_after)
            if proc.exitcode is None:
                proc.kill()
        await asyncio.to_thread(proc.join, 60)
        assert proc.exitcode is not None, "the dispatcher process did not finish"
        return proc.exitcode


# Worker processes are forked from a server that has imported the dispatcher once: a separate process per run
# (SIGKILL hits only it) without paying the imports for each of the many runs.
WORKERS = multiprocessing.get_context("forkserver")
WORKERS.set_forkserver_preload(["app.notify.worker"])


def run_worker(env: dict[str, str], argv: list[str], ready: Any) -> None:
    """The body of `python -m app.notify.worker`, in a forked process with the rig's environment."""
    os.environ.clear()
    os.environ.update(env)
    from app.notify import worker

    args = worker.parser().parse_args(argv)
    asyncio.run(worker.run(args.limit, args.drain, on_ready=ready.set))


@pytest.fixture
async def rig(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    catcher = MailCatcher(keep=10_000)
    smtp_port = free_port()
    server = await start_smtp(catcher, "127.0.0.1", smtp_port)
    sid = "AC" + secrets.token_hex(16)
    twilio_app = create_fake_twilio_app(sid, TOKEN)
    async with serve(twilio_app) as twilio_base:
        env = {
            **os.environ,
            "ORDERTRAIL_ENVIRONMENT": "test",
            "ORDERTRAIL_DATABASE_URL": url,
            "ORDERTRAIL_BASE_URL": "http://127.0.0.1:9",
            "ORDERTRAIL_SECRET_KEY": "crash-test-secret-0123456789abcdef0123",
            "ORDERTRAIL_SMTP_PORT": str(smtp_port),
            "ORDERTRAIL_SMTP_CONNECTIONS": "2",
            "ORDERTRAIL_TWILIO_ACCOUNT_SID": sid,
            "ORDERTRAIL_TWILIO_AUTH_TOKEN": TOKEN,
            "ORDERTRAIL_TWILIO_FROM_NUMBER": "+15005550006",
            "ORDERTRAIL_TWILIO_API_BASE_URL": twilio_base,
            "ORDERTRAIL_DISPATCH_LEASE_SECONDS": "0.5",
        }
        yield engine, Rig(url, env, catcher, twilio_app.state.fake)
    server.close()
    await engine.dispose()


async def fill_outbox(engine: Any, count: int) -> dict[str, int]:
    """`count` orders, each with one email and one SMS row; returns recipient → row id."""
    merchant_id, _ = await make_merchant(engine, quiet_hours_start=0, quiet_hours_end=0)
    now = datetime.now(UTC)
    async with writing(engine) as conn:
        for i in range(count):
            email, phone = f"shopper{i}@example.com", f"+1415555{i:04d}"
            order_id = (
                await conn.execute(
                    Order.__table__.insert().values(
                        merchant_id=merchant_id,
                        number=f"C{i}",
                        customer_email=email,
                        customer_phone=phone,
                        placed_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
            ).inserted_primary_key[0]
            for channel, to in (("email", email), ("sms", phone)):
                await conn.execute(
                    Notification.__table__.insert().values(
                        merchant_id=merchant_id,
                        order_id=order_id,
                        trigger="delivered",
                        channel=channel,
                        recipient=to,
                        dedupe_key=f"o{order_id}:delivered:{channel}",
                        state="pending",
                        next_attempt_at=now,
                        context={"status": "delivered"},
                        created_at=now,
                    )
                )
    async with reading(engine) as conn:
        return {r.recipient: r.id for r in await conn.execute(select(Notification.__table__))}


async def final_rows(engine: Any) -> list[Any]:
    async with reading(engine) as conn:
        return list(await conn.execute(select(Notification.__table__)))


@pytest.mark.parametrize("stage", ["after_claim", "before_send", "after_send", "after_commit"])
async def test_kill_at_each_stage_loses_nothing(rig, stage: str) -> None:
    engine, setup = rig
    rows = await fill_outbox(engine, 4)
    assert await setup.worker("--limit", "8", crash_at=stage) == -signal.SIGKILL
    assert await setup.worker("--drain") == 0
    got = setup.receipts(rows)
    assert set(got) == set(rows.values())  # nothing lost
    assert all(r.state == "sent" for r in await final_rows(engine))
    doubled = sum(n - 1 for n in got.values())
    # Only a kill after the providers accepted and before the commit can double a message, and then all 8 are.
    assert doubled == (8 if stage == "after_send" else 0)


async def test_random_kills_lose_nothing_and_doubles_are_counted(rig) -> None:
    engine, setup = rig
    rows = await fill_outbox(engine, 30)
    rng = random.Random(4)
    kills = 0
    for _ in range(6):
        code = await setup.worker("--limit", "6", kill_after=rng.uniform(0.0, 1.5))
        kills += code == -signal.SIGKILL
    assert await setup.worker("--drain") == 0
    got = setup.receipts(rows)
    final = {r.id: r for r in await final_rows(engine)}
    assert set(got) == set(rows.values()) and all(r.state == "sent" for r in final.values())
    doubled = {row_id: n for row_id, n in got.items() if n > 1}
    # A doubled row was necessarily claimed again after its first claimer died.
    assert all(final[row_id].attempts >= 2 for row_id in doubled)
    print(f"random kills: {kills} of 6 workers killed, {len(rows)} messages, {len(doubled)} doubled")
    assert kills >= 2
