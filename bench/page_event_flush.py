"""Page-event flush benchmark (SQLite): how long writing a second's page events takes while the event loop is busy
serving pages, row by row (`executemany`, the baseline) against one JSON array per statement (`insert_many`, what
the flush uses), in the same run. The flush holds SQLite's writer lock from its BEGIN to its COMMIT, so its wall time
is also how long every other writer waits.

The busy loop is a task doing 40 ms of pure-Python work between yields, as a saturated server does (its loop turns
take ~45 ms at 32 connections in bench/tracking_page.py's cold run).

Run: .venv/bin/python -m bench.page_event_flush [--rows 8000] [--idle]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


async def flush_time(database: Path, rows: int, *, row_by_row: bool, busy: bool) -> float:
    from app.db import make_engine
    from app.models import metadata
    from app.tracking.bulk import DriverStatement
    from app.web.page_events import PageEventQueue
    from tests.factories import make_merchant

    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    merchant_id, _ = await make_merchant(engine, "bench-shop")
    queue = PageEventQueue(engine)
    now = datetime.now(UTC)
    queue._pending = [
        {"merchant_id": merchant_id, "order_id": None, "shipment_id": None, "kind": "view", "visitor": f"v{n}",
         "product_id": None, "created_at": now}
        for n in range(rows)
    ]  # fmt: skip
    done = asyncio.Event()

    async def serving_pages() -> None:
        while not done.is_set():
            started = time.perf_counter()
            while time.perf_counter() - started < 0.04:
                pass
            await asyncio.sleep(0)

    insert_many = DriverStatement.insert_many
    if row_by_row:
        DriverStatement.insert_many = DriverStatement.executemany  # type: ignore[method-assign]
    busy_task = asyncio.create_task(serving_pages()) if busy else None
    try:
        started = time.perf_counter()
        assert await queue.flush() == rows
        return time.perf_counter() - started
    finally:
        DriverStatement.insert_many = insert_many  # type: ignore[method-assign]
        done.set()
        if busy_task is not None:
            await busy_task
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=8_000, help="page events in the flush (a cold second: ~7,000)")
    parser.add_argument("--idle", action="store_true", help="also on an idle loop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for busy in (True, False) if args.idle else (True,):
            base, named = Path(folder), "busy" if busy else "idle"
            baseline = await flush_time(base / f"{named}-rows.db", args.rows, row_by_row=True, busy=busy)
            now = await flush_time(base / f"{named}-json.db", args.rows, row_by_row=False, busy=busy)
            loop = "busy loop" if busy else "idle loop"
            print(
                f"{loop}: {args.rows} page events, row by row {baseline * 1000:,.0f} ms, one JSON array per statement "
                f"{now * 1000:,.0f} ms: {baseline / now:.1f}× faster"
            )


if __name__ == "__main__":
    asyncio.run(main())
