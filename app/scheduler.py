"""The in-process scheduler: poll and dispatch ticks with APScheduler (one run at a time, late runs coalesced).

APScheduler is only the clock; the database leases are the truth, so several workers are safe.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.notify.dispatcher import dispatch_once
from app.runtime import Runtime
from app.tracking.poller import poll_once
from app.tracking.push import process_inbox

log = logging.getLogger("ordertrail.scheduler")

PUSH_INTERVAL_SECONDS = 5


def build_scheduler(rt: Runtime) -> AsyncIOScheduler:
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    async def poll_tick() -> None:
        try:
            report = await poll_once(rt)
            if report.claimed:
                log.info(
                    "polled %d shipments: %d changes, %d notifications, errors %s",
                    report.claimed,
                    report.status_changes,
                    report.notifications,
                    report.errors,
                )
        except Exception:
            log.exception("poll tick failed")

    async def dispatch_tick() -> None:
        try:
            report = await dispatch_once(rt)
            if report.claimed:
                log.info("dispatched %d notifications: %s", report.claimed, report.outcomes)
        except Exception:
            log.exception("dispatch tick failed")

    async def push_tick() -> None:
        try:
            report = await process_inbox(rt)
            if report.claimed:
                log.info(
                    "processed %d carrier pushes: %d applied, %d ignored, %d unparseable, %d changes",
                    report.claimed,
                    report.applied,
                    report.ignored,
                    report.failed,
                    report.status_changes,
                )
        except Exception:
            log.exception("push tick failed")

    start = datetime.now(UTC)
    scheduler.add_job(poll_tick, "interval", seconds=rt.settings.poll_interval_seconds, id="poll", next_run_time=start)
    scheduler.add_job(dispatch_tick, "interval", seconds=rt.settings.dispatch_interval_seconds, id="dispatch")
    scheduler.add_job(push_tick, "interval", seconds=PUSH_INTERVAL_SECONDS, id="push")
    return scheduler
