"""Delivery-estimate fit benchmark: how long fitting a shop with a large delivered history holds the event loop that
also serves the shop's pages. A task ticks every 2 ms beside the fit; the longest pause between its ticks is
compared with the fit's own wall time and with the same task's longest pause on an idle loop, in the same process.

The fit runs in a fresh process (holiday calendars not built yet, as after a restart): first the shop's first fit,
then a refit (what the scheduler and a stale model cause every ten minutes).

Run: .venv/bin/python -m bench.estimate_fit [--deliveries 50000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = 0.002


async def longest_pause(work: asyncio.Future | None = None, idle: float = 0.0) -> tuple[float, float]:  # type: ignore[type-arg]
    """(longest pause between ticks beyond the tick itself, wall time of `work` or of `idle` seconds)."""
    pauses: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            pauses.append(now - last - TICK)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    if work is not None:
        await work
    else:
        await asyncio.sleep(idle)
    wall = time.perf_counter() - started
    stop.set()
    await task
    return max(pauses), wall


async def measure(url: str, merchant_id: int) -> dict[str, float]:
    from app.db import make_engine
    from app.estimates.learned import fit_once, forget

    engine = make_engine(url)
    try:
        idle_pause, _ = await longest_pause(idle=0.5)
        first_pause, first_wall = await longest_pause(asyncio.ensure_future(fit_once(engine, merchant_id)))
        forget(merchant_id)
        refit_pause, refit_wall = await longest_pause(asyncio.ensure_future(fit_once(engine, merchant_id)))
    finally:
        await engine.dispose()
    return {
        "idle_pause": idle_pause,
        "first_pause": first_pause,
        "first_wall": first_wall,
        "refit_pause": refit_pause,
        "refit_wall": refit_wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=50_000, help="delivered shipments (the fit reads ≤ 50,000)")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL: a database made beside it, dropped after")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "MERCHANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure[0], int(args.measure[1])))))
        return

    from bench.estimates import history, write
    from bench.tracking_page import temporary_database

    with temporary_database(args.postgres) as database:
        url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
        parcels = history(args.deliveries, 7, date(2025, 1, 2))
        merchant_id = asyncio.run(write(url, parcels, len(parcels)))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "bench.estimate_fit", "--measure", url, str(merchant_id)]
        found = json.loads(subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True).stdout)
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"estimate fit bench ({kind}): {args.deliveries} delivered shipments, a task ticking every 2 ms beside it")
    print(f"idle loop: longest pause {found['idle_pause'] * 1000:.1f} ms")
    for label, key in (("first fit", "first"), ("refit", "refit")):
        pause, wall = found[f"{key}_pause"], found[f"{key}_wall"]
        print(
            f"{label}: {wall * 1000:.0f} ms, longest pause {pause * 1000:.1f} ms "
            f"({pause / wall:.1%} of the fit, {pause / max(found['idle_pause'], 1e-4):.0f}× the idle loop's)"
        )


if __name__ == "__main__":
    main()
