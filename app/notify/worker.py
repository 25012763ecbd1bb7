"""A stand-alone dispatcher process: `python -m app.notify.worker [--limit N] [--drain]`.

Settings come from the environment like the app's. `ORDERTRAIL_DISPATCH_CRASH_AT=<stage>` makes the process kill
itself (SIGKILL, no clean-up) the first time a tick reaches that stage (after_claim, before_send, after_send,
after_commit): the reliability test uses it to prove nothing is lost. `ORDERTRAIL_DISPATCH_LEASE_SECONDS`
shortens the lease so a dead worker's rows come back quickly in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from app.channels import default_channels
from app.db import reading
from app.models import Notification
from app.notify.dispatcher import dispatch_once
from app.runtime import Runtime
from app.settings import Settings

STAGES = ("after_claim", "before_send", "after_send", "after_commit")


def crash_checkpoint(stage_to_die_at: str):  # type: ignore[no-untyped-def]
    def checkpoint(stage: str) -> None:
        if stage == stage_to_die_at:
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


async def open_rows(rt: Runtime) -> int:
    table = Notification.__table__
    async with reading(rt.engine) as conn:
        query = select(func.count()).where(table.c.state.in_(("pending", "sending")))
        return int((await conn.execute(query)).scalar_one())


def announce_ready() -> None:
    print("ready", flush=True)  # lets a supervisor time its signal from here


async def run(limit: int, drain: bool, on_ready: Callable[[], None] = announce_ready) -> None:
    settings = Settings()
    rt = Runtime.create(settings)
    rt.channels.update(default_channels(settings))
    stage = os.environ.get("ORDERTRAIL_DISPATCH_CRASH_AT", "")
    checkpoint = crash_checkpoint(stage) if stage in STAGES else (lambda _stage: None)
    lease = timedelta(seconds=float(os.environ.get("ORDERTRAIL_DISPATCH_LEASE_SECONDS", "300")))
    on_ready()
    try:
        while True:
            report = await dispatch_once(rt, limit=limit, checkpoint=checkpoint, lease=lease)
            if report.claimed:
                continue
            if drain and await open_rows(rt) == 0:
                return
            await asyncio.sleep(min(settings.dispatch_interval_seconds, 0.2 if drain else 5.0))
    finally:
        await rt.close()


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(prog="python -m app.notify.worker")
    found.add_argument("--limit", type=int, default=200, help="rows claimed per tick")
    found.add_argument("--drain", action="store_true", help="exit once no row is pending or in flight")
    return found


def main() -> None:
    args = parser().parse_args()
    asyncio.run(run(args.limit, args.drain))


if __name__ == "__main__":
    main()
