"""Dispatch benchmark: N emails to a local aiosmtpd server and N SMS to the fake Twilio API through the real
dispatcher (claim, render, send, record), against a bare aiosmtplib loop sending pre-built messages over 4 reused
connections, measured in the same run. The servers run in their own processes.

Run: .venv/bin/python -m bench.dispatch [--count 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy import text

from app.channels import default_channels
from app.db import make_engine, writing
from app.models import Merchant, Notification, Order, metadata
from app.notify.dispatcher import dispatch_once
from app.runtime import Runtime
from app.settings import Settings
from notifications.base import EmailMessageSpec
from notifications.channels.email import build_message

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
SID = "AC" + "0" * 32


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_smtp(port: int) -> None:
    from notifications.mail_catcher import MailCatcher, start_smtp

    async def main() -> None:
        await start_smtp(MailCatcher(keep=10), "127.0.0.1", port)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_twilio(port: int) -> None:
    import uvicorn

    from notifications.fake_twilio import create_fake_twilio_app

    uvicorn.run(create_fake_twilio_app(SID, TOKEN), host="127.0.0.1", port=port, log_level="warning")


def spawn(kind: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.dispatch", f"--serve-{kind}", str(port)], cwd=ROOT)


async def wait_port(port: int) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class Pass:
    """One timed pass: messages per second, and this process's CPU per message (steadier than wall time on a
    shared machine)."""

    rate: float
    cpu_ms: float


async def bare_loop(port: int, count: int, connections: int = 4) -> Pass:
    """Pre-built messages over `connections` reused aiosmtplib sessions."""
    spec = EmailMessageSpec(to="a@example.com", subject="Bare", text="hello", html="<p>hello</p>", sender="b@x.test")
    messages = [build_message(spec) for _ in range(count)]
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def sender() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await smtp.connect()
        while not queue.empty():
            await smtp.send_message(queue.get_nowait())
        await smtp.quit()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(sender() for _ in range(connections)))
    return Pass(count / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / count)


async def fill(engine: Any, count: int, channel: str) -> None:
    now = datetime.now(UTC)
    async with writing(engine) as conn:
        merchant_id = (
            await conn.execute(
                Merchant.__table__.insert().values(
                    slug=f"bench-{channel}",
                    name="Bench Shop",
                    quiet_hours_start=0,
                    quiet_hours_end=0,
                    daily_message_cap=10 * count,
                    created_at=now,
                    header_links=[],
                )
            )
        ).inserted_primary_key[0]
        orders = [
            {
                "merchant_id": merchant_id,
                "number": f"{channel}-{i}",
                "customer_email": f"s{i}@example.com",
                "customer_phone": f"+1415{i:07d}",
                "customer_name": "Alex Doe",
                "placed_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        await conn.execute(Order.__table__.insert(), orders)
        ids = (
            await conn.execute(
                text("SELECT id, customer_email, customer_phone FROM shop_order WHERE number LIKE :p"),
                {"p": f"{channel}-%"},
            )
        ).all()
        rows = [
            {
                "merchant_id": merchant_id,
                "order_id": r.id,
                "trigger": "delivered",
                "channel": channel,
                "recipient": r.customer_email if channel == "email" else r.customer_phone,
                "dedupe_key": f"o{r.id}:delivered:{channel}",
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "provider_id": "",
                "last_error": "",
                "context": {"status": "delivered"},
                "created_at": now,
            }
            for r in ids
        ]
        await conn.execute(Notification.__table__.insert(), rows)


async def through_dispatcher(rt: Runtime, count: int) -> tuple[Pass, dict[str, int]]:
    totals: dict[str, int] = {}
    started, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < count:
        report = await dispatch_once(rt, limit=500)
        if not report.claimed:
            break
        done += report.claimed
        for key, value in report.outcomes.items():
            totals[key] = totals.get(key, 0) + value
    elapsed = time.perf_counter() - started
    return Pass(done / elapsed, (time.process_time() - cpu) * 1000 / max(done, 1)), totals


async def run(count: int, postgres: str) -> None:
    smtp_port, twilio_port = free_port(), free_port()
    servers = [spawn("smtp", smtp_port), spawn("twilio", twilio_port)]
    try:
        await wait_port(smtp_port)
        await wait_port(twilio_port)
        folder = tempfile.mkdtemp(prefix="bench-dispatch-")
        url = postgres or f"sqlite+aiosqlite:///{folder}/bench.db"
        settings = Settings(
            _env_file=None,
            environment="test",
            database_url=url,
            base_url="http://127.0.0.1:9",  # type: ignore[call-arg]
            smtp_port=smtp_port,
            smtp_connections=4,
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_from_number="+15005550006",
            twilio_api_base_url=f"http://127.0.0.1:{twilio_port}",
        )
        engine = make_engine(url)
        async with engine.begin() as conn:
            if postgres:
                await conn.run_sync(metadata.drop_all)
            await conn.run_sync(metadata.create_all)
        rt = Runtime.create(settings)
        rt.channels.update(default_channels(settings))
        # Each channel's rows are written just before its own pass, so each pass sends only its channel.
        await fill(engine, count, "email")
        bare = await bare_loop(smtp_port, count)
        email, email_out = await through_dispatcher(rt, count)
        await fill(engine, count, "sms")
        sms, sms_out = await through_dispatcher(rt, count)
        bare_after = await bare_loop(smtp_port, count)
        baseline = (bare.rate + bare_after.rate) / 2
        bare_cpu = (bare.cpu_ms + bare_after.cpu_ms) / 2
        ratio = email.rate / baseline
        print(f"database: {'postgresql' if postgres else 'sqlite'}   messages: {count} email + {count} SMS")
        print(
            f"bare aiosmtplib loop, 4 reused connections: {bare.rate:8.0f} msg/s before, {bare_after.rate:8.0f} after"
            f"   ({bare_cpu:.2f} ms CPU per message)"
        )
        print(
            f"dispatcher, email (claim+render+send+record): {email.rate:8.0f} msg/s"
            f"   ({email.cpu_ms:.2f} ms CPU per message)  {email_out}"
        )
        verdict = "ok" if ratio >= 0.5 and email_out.get("sent") == count else "MISSED"
        print(f"   ratio to the bare loop: {ratio:6.1%}  (target >= 50%)  {verdict}")
        print(
            f"dispatcher, SMS via twilio client to the fake: {sms.rate:8.0f} msg/s"
            f"   ({sms.cpu_ms:.2f} ms CPU per message)  {sms_out}"
        )
        await rt.close()
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--serve-smtp", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-twilio", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_smtp:
        serve_smtp(args.serve_smtp)
    elif args.serve_twilio:
        serve_twilio(args.serve_twilio)
    else:
        asyncio.run(run(args.count, args.postgres))


if __name__ == "__main__":
    main()
