"""The in-process scheduler: poll and dispatch ticks with APScheduler (one run at a time, late runs coalesced).

APScheduler is only the clock; the database leases are the truth, so several workers are safe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.analytics.rollup import refresh as refresh_rollups
from app.estimates import refit
from app.integrations.outbound import deliver_once
from app.integrations.shopify import process_inbox_once
from app.notify.dispatcher import dispatch_once
from app.notify.timed import run_timed_triggers
from app.runtime import Runtime
from app.sqlite_statistics import REFRESH_HOURS, refresh_statistics
from app.tracking.poller import poll_once
from app.tracking.push import cleanup_inbox, process_inbox
from app.web.stored_pages import delete_expired, store_pending

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

    def counted(name: str, job: Callable[[Runtime], Awaitable[int]]) -> Callable[[], Awaitable[None]]:
        async def tick() -> None:
            try:
                if count := await job(rt):
                    log.info("%s: %d", name, count)
            except Exception:
                log.exception("%s tick failed", name)

        return tick

    start = datetime.now(UTC)
    scheduler.add_job(poll_tick, "interval", seconds=rt.settings.poll_interval_seconds, id="poll", next_run_time=start)
    scheduler.add_job(dispatch_tick, "interval", seconds=rt.settings.dispatch_interval_seconds, id="dispatch")
    scheduler.add_job(push_tick, "interval", seconds=PUSH_INTERVAL_SECONDS, id="push")
    scheduler.add_job(counted("timed triggers", run_timed_triggers), "interval", seconds=60, id="timed")
    scheduler.add_job(counted("outbound webhooks", deliver_once), "interval", seconds=5, id="webhooks")
    scheduler.add_job(counted("shopify inbox", process_inbox_once), "interval", seconds=2, id="shopify")
    scheduler.add_job(counted("estimate refits", lambda rt: refit(rt.engine)), "interval", minutes=10, id="estimates")
    scheduler.add_job(
        counted("analytics days rolled up", lambda rt: refresh_rollups(rt.engine)), "interval", minutes=5, id="rollups"
    )
    pages = SimpleNamespace(runtime=rt)  # the page job's caches (recommendation parts), like a web app's state
    render_ahead = counted("pages rendered ahead", lambda rt: store_pending(pages))
    scheduler.add_job(render_ahead, "interval", seconds=2, id="pages")
    scheduler.add_job(
        counted("stored pages expired", lambda rt: delete_expired(rt.engine, datetime.now(UTC))), "interval", hours=1
    )
    scheduler.add_job(
        counted("carrier push cleanup", lambda rt: cleanup_inbox(rt.engine, datetime.now(UTC))), "interval", hours=1
    )
    scheduler.add_job(
        counted("SQLite tables analyzed", lambda rt: refresh_statistics(rt.engine)),
        "interval",
        hours=REFRESH_HOURS,
        id="statistics",
        next_run_time=start,
    )
    return scheduler
