"""Dashboard queries on a generated shop of N shipments (default 1,000,000), on SQLite and PostgreSQL.

One merchant, one order per shipment spread over a year, with tracking events, notifications, opens and clicks,
page views, recommendation events and survey answers. Rows are generated in Python and loaded with COPY on
PostgreSQL (asyncpg `copy_records_to_table`) and `executemany` on SQLite. Each chart's query is timed (median of
`--runs` after one warm-up) over the last 30 days on the raw rows (the baseline, measured in the same run;
`--baseline-windows 30,365` adds the year, `--no-baseline` skips it), then the daily rollups are backfilled and
refreshed once (both timed) and every chart is timed again over 30 and 365 days, reading closed days from the
rollups and the last day from the raw rows. On PostgreSQL each chart gets ok or MISSED against the 500 ms target.

    .venv/bin/python -m bench.analytics                          # 1M shipments, SQLite and PostgreSQL
    .venv/bin/python -m bench.analytics --shipments 20000 --databases sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from app.analytics.charts import CHARTS
from app.analytics.filters import Filters
from app.analytics.rollup import backfill, refresh
from app.analytics.sql import prepare
from app.db import make_engine, reading
from app.models import (
    Merchant,
    MessageEvent,
    Notification,
    Order,
    PageEvent,
    Product,
    Shipment,
    SurveyResponse,
    TrackingEvent,
    metadata,
)

END = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
SPAN = timedelta(days=365)
CARRIERS = ("ups", "fedex", "usps", "dhl", "laposte")
SERVICES = ("ground", "express")
PRODUCTS = 20
CHUNK = 20_000
TARGET_MS = 500
ANSWER_TIMES = ["created_at", "updated_at"]

Row = tuple[Any, ...]


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if field.get_default(call_default_factory=True) is not None
    }


class Loader:
    """Rows for one table: the varying columns a generator yields, plus every other NOT NULL column's default."""

    def __init__(self, model: type[SQLModel], varying: list[str]) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        defaults = _defaults(model)
        self.table = table.name
        self.fixed = [c.name for c in table.c if c.name not in varying and not c.nullable and c.name in defaults]
        self.columns = [*varying, *self.fixed]
        self.fixed_values = tuple(defaults[name] for name in self.fixed)


def _orders(n: int, rng: random.Random) -> Iterator[Row]:
    step = SPAN / n
    customers = max(n // 3, 1)
    for i in range(1, n + 1):
        placed = END - SPAN + step * i
        cancelled = placed + timedelta(hours=2) if rng.random() < 0.03 else None
        yield (i, 1, str(i), f"c{rng.randrange(customers)}@example.com", placed, placed.date() + timedelta(days=5),
               cancelled, rng.random() < 0.1, placed, cancelled or placed)  # fmt: skip


def _shipment_row(i: int, placed: datetime, rng: random.Random) -> Row:
    shipped = placed + timedelta(hours=rng.randint(6, 48))
    roll = rng.random()
    estimate = shipped.date() + timedelta(days=rng.randint(2, 5))
    if roll < 0.85 and shipped < END:
        delivered: datetime | None = shipped + timedelta(hours=rng.randint(20, 200))
        status, last = "delivered", delivered
    else:
        delivered, status = None, ("in_transit" if roll < 0.95 else "exception")
        last = shipped + timedelta(hours=rng.randint(1, 400))
    return (i, 1, i, CARRIERS[i % len(CARRIERS)], SERVICES[(i // 7) % 2], f"BENCH{i:010d}", uuid.uuid4().hex,
            uuid.uuid4().hex, status, shipped, delivered, estimate, last, placed, last)  # fmt: skip


def _events(shipment: Row, counter: list[int], rng: random.Random) -> Iterator[Row]:
    shipment_id, shipped, status = shipment[0], shipment[9], shipment[8]
    statuses = ["info_received", "in_transit"]
    if rng.random() < 0.05:
        statuses.append("exception")
    if rng.random() < 0.03:
        statuses.append("failed_attempt")
    statuses.append(status)
    for index, event_status in enumerate(statuses):
        counter[0] += 1
        yield (counter[0], shipment_id, f"f{index}", shipped + timedelta(hours=index * 6), event_status)


class Generated:
    """All rows of the bench shop, generated once and shared by both databases."""

    def __init__(self, n: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.orders = list(_orders(n, rng))
        self.shipments = [_shipment_row(o[0], o[4], rng) for o in self.orders]
        counter = [0]
        self.events = [e for s in self.shipments for e in _events(s, counter, rng)]
        self.notifications: list[Row] = []
        self.message_events: list[Row] = []
        self.page_events: list[Row] = []
        self.surveys: list[Row] = []
        for order in self.orders:
            self._engagement(order, rng)

    def _engagement(self, order: Row, rng: random.Random) -> None:
        order_id, placed = order[0], order[4]
        if not order[7]:  # the holdout gets no messages
            for trigger in ("shipped", "delivered"):
                note_id = len(self.notifications) + 1
                channel = "sms" if rng.random() < 0.2 else "email"
                state = rng.choices(("sent", "failed", "pending"), (95, 3, 2))[0]
                self.notifications.append((note_id, 1, order_id, trigger, channel, "x@example.com",
                                           f"b{note_id}", state, "{}", placed + timedelta(days=1)))  # fmt: skip
                for kind, share in (("open", 0.4), ("click", 0.1), ("delivered", 0.1 if channel == "sms" else 0)):
                    if rng.random() < share:
                        self.message_events.append((len(self.message_events) + 1, 1, note_id, kind, placed))
        for _ in range(rng.choice((0, 0, 1, 2, 2, 3, 4))):
            self._page(order_id, "view", None, placed, f"v{rng.randrange(10**6)}")
        if rng.random() < 0.3:
            product = rng.randint(1, PRODUCTS)
            self._page(order_id, "rec_impression", product, placed, "")
            if rng.random() < 0.1:
                self._page(order_id, "rec_click", product, placed + timedelta(days=2), "")
        answered = placed + timedelta(days=3)  # answers carry their time, as the refresh looks for recent ones
        if rng.random() < 0.1:
            self.surveys.append(
                (len(self.surveys) + 1, 1, order_id, "feedback", "", rng.randint(1, 5), "ok", False, answered, answered)
            )
        if order[6] is not None:
            reason = rng.choice(("too_slow", "changed_mind"))
            saved = rng.random() < 0.3
            self.surveys.append(
                (len(self.surveys) + 1, 1, order_id, "cancel_reason", reason, None, "", saved, answered, answered)
            )

    def _page(self, order_id: int, kind: str, product: int | None, when: datetime, visitor: str) -> None:
        self.page_events.append((len(self.page_events) + 1, 1, order_id, kind, product, when, visitor))

    def tables(self) -> list[tuple[Loader, list[Row]]]:
        products = [(i, 1, f"p{i}", f"Product {i}", f"https://shop.test/p{i}") for i in range(1, PRODUCTS + 1)]
        return [
            (Loader(Merchant, ["id", "slug", "name"]), [(1, "bench", "Bench Shop")]),
            (Loader(Product, ["id", "merchant_id", "external_id", "title", "url"]), products),
            (
                Loader(
                    Order,
                    [
                        "id",
                        "merchant_id",
                        "number",
                        "customer_email",
                        "placed_at",
                        "promised_by",
                        "cancelled_at",
                        "holdout",
                        "created_at",
                        "updated_at",
                    ],
                ),
                self.orders,
            ),
            (
                Loader(
                    Shipment,
                    [
                        "id",
                        "merchant_id",
                        "order_id",
                        "carrier",
                        "service",
                        "tracking_number",
                        "ref",
                        "token_hash",
                        "status",
                        "shipped_at",
                        "delivered_at",
                        "first_estimate",
                        "last_event_at",
                        "created_at",
                        "updated_at",
                    ],
                ),
                self.shipments,
            ),
            (Loader(TrackingEvent, ["id", "shipment_id", "fingerprint", "occurred_at", "status"]), self.events),
            (
                Loader(
                    Notification,
                    [
                        "id",
                        "merchant_id",
                        "order_id",
                        "trigger",
                        "channel",
                        "recipient",
                        "dedupe_key",
                        "state",
                        "context",
                        "created_at",
                    ],
                ),
                self.notifications,
            ),
            (
                Loader(MessageEvent, ["id", "merchant_id", "notification_id", "kind", "created_at"]),
                self.message_events,
            ),
            (
                Loader(PageEvent, ["id", "merchant_id", "order_id", "kind", "product_id", "created_at", "visitor"]),
                self.page_events,
            ),
            (
                Loader(
                    SurveyResponse,
                    ["id", "merchant_id", "order_id", "kind", "value", "rating", "comment", "saved", *ANSWER_TIMES],
                ),
                self.surveys,
            ),
        ]

    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.tables())


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def load_sqlite(path: Path, data: Generated) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for loader, rows in data.tables():
        fixed = tuple(_sqlite_value(v) for v in loader.fixed_values)
        sql = (
            f"INSERT INTO {loader.table} ({', '.join(loader.columns)}) VALUES ({', '.join('?' * len(loader.columns))})"
        )
        for start in range(0, len(rows), CHUNK):
            chunk = [tuple(_sqlite_value(v) for v in row) + fixed for row in rows[start : start + CHUNK]]
            db.executemany(sql, chunk)
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


def _pg_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


async def load_postgres(engine: AsyncEngine, data: Generated, schema: str) -> None:
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        # The generated rows are consistent by construction: skip the per-row foreign-key triggers while loading.
        await raw.execute("SET session_replication_role = replica")
        for loader, rows in data.tables():
            fixed = tuple(_pg_value(v) for v in loader.fixed_values)
            records = (tuple(_pg_value(v) for v in row) + fixed for row in rows)
            await raw.copy_records_to_table(loader.table, records=records, columns=loader.columns, schema_name=schema)
        await raw.execute("SET session_replication_role = DEFAULT")
        await conn.commit()
        # Vacuumed now, so that autovacuum does not start on the freshly loaded tables while queries are timed.
        await raw.execute("VACUUM ANALYZE")


async def time_chart(engine: AsyncEngine, name: str, f: Filters, runs: int) -> float:
    """Median milliseconds of `runs` timed runs after one warm-up."""
    query = CHARTS[name]
    times = []
    async with reading(engine) as conn:
        await prepare(conn)
        for attempt in range(runs + 1):
            started = time.perf_counter()
            await query(conn, f)
            if attempt:
                times.append((time.perf_counter() - started) * 1000)
        await conn.rollback()
    return statistics.median(times)


WINDOW_DAYS = [30, 365]
BASELINE_DAYS = [30]


def windows(days: list[int] | None = None) -> dict[str, Filters]:
    """The dashboard's default range (the last 30 days) and the whole year, ending with the generated data."""
    end = END.date()
    return {
        f"{n} days": Filters(merchant_id=1, start=end - timedelta(days=n - 1), end=end, now=END)
        for n in (WINDOW_DAYS if days is None else days)
    }


async def time_all(engine: AsyncEngine, runs: int, days: list[int] | None = None) -> dict[tuple[str, str], float]:
    return {
        (name, label): await time_chart(engine, name, f, runs) for label, f in windows(days).items() for name in CHARTS
    }


async def fill_rollups(engine: AsyncEngine, database: str) -> None:
    """Backfill the rollups as of the end of the generated year, then one scheduled refresh five minutes later."""
    started = time.perf_counter()
    days = await backfill(engine, END)
    print(f"{database}: rollup backfill, {days} days: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    days = await refresh(engine, END + timedelta(minutes=5))
    print(f"{database}: rollup refresh, {days} days recounted: {time.perf_counter() - started:.2f} s", flush=True)
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE" if database == "postgres" else "ANALYZE"))


async def measure(
    engine: AsyncEngine, database: str, runs: int, baseline: bool
) -> tuple[dict[Any, float], dict[Any, float]]:
    raw = await time_all(engine, max(1, runs // 2), BASELINE_DAYS) if baseline else {}
    await fill_rollups(engine, database)
    return await time_all(engine, runs), raw


async def bench_sqlite(data: Generated, runs: int, baseline: bool) -> tuple[dict[Any, float], dict[Any, float]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()
        started = time.perf_counter()
        await asyncio.to_thread(load_sqlite, path, data)
        print(f"sqlite: loaded {data.row_count():,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            return await measure(engine, "sqlite", runs, baseline)
        finally:
            await engine.dispose()


async def bench_postgres(
    url: str, data: Generated, runs: int, baseline: bool, keep: bool = False
) -> tuple[dict[Any, float], dict[Any, float]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        started = time.perf_counter()
        await load_postgres(engine, data, schema)
        print(f"postgres: loaded {data.row_count():,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        return await measure(engine, "postgres", runs, baseline)
    finally:
        await engine.dispose()
        if keep:
            print(f"kept schema {schema}")
        else:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def report(database: str, rolled: dict[Any, float], raw: dict[Any, float], target: bool) -> None:
    """Per chart and range: with rollups, on the raw rows, the ratio, and (PostgreSQL) ok/MISSED against 500 ms."""
    labels = list(windows())
    verdict_width = 8 if target else 0
    header = f"{'chart':<16}" + "".join(
        f"{label + ' ms':>14}{'raw ms':>12}{'ratio':>8}" + (f"{'< 500':>{verdict_width}}" if target else "")
        for label in labels
    )
    print(f"\n{database}\n{header}")
    missed: list[str] = []
    for name in CHARTS:
        line = f"{name:<16}"
        for label in labels:
            fast, slow = rolled[(name, label)], raw.get((name, label))
            ratio = f"{slow / fast:.1f}x" if slow else "-"
            line += f"{fast:>14.1f}{(f'{slow:.1f}' if slow else '-'):>12}{ratio:>8}"
            if target:
                line += f"{'ok' if fast < TARGET_MS else 'MISSED':>{verdict_width}}"
                if fast >= TARGET_MS:
                    missed.append(f"{name} ({label})")
        print(line)
    for label in labels:
        worst = max(rolled[(name, label)] for name in CHARTS)
        print(f"slowest chart over {label}: {worst:.0f} ms")
    if target:
        print(f"target < {TARGET_MS} ms per chart: " + ("met" if not missed else "NOT met: " + ", ".join(missed)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--postgres", default=os.environ.get("ORDERTRAIL_TEST_POSTGRES_URL",
                        "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))  # fmt: skip
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-windows", default="30", help="ranges (days) timed on the raw rows; at 1M "
                        "shipments a year of raw rows takes minutes per chart (distinct visitors)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema (printed) for EXPLAIN")
    parser.add_argument("--windows", default="30,365", help="date ranges to time, in days, comma-separated")
    args = parser.parse_args(argv)
    WINDOW_DAYS[:] = [int(days) for days in args.windows.split(",")]
    BASELINE_DAYS[:] = [int(days) for days in args.baseline_windows.split(",")]
    started = time.perf_counter()
    data = Generated(args.shipments)
    print(f"generated {args.shipments:,} shipments, {data.row_count():,} rows in {time.perf_counter() - started:.1f} s")
    chosen = [d.strip() for d in args.databases.split(",") if d.strip()]
    runners: dict[str, Callable[[], Any]] = {
        "sqlite": lambda: bench_sqlite(data, args.runs, not args.no_baseline),
        "postgres": lambda: bench_postgres(args.postgres, data, args.runs, not args.no_baseline, args.keep),
    }
    for database in chosen:
        rolled, raw = asyncio.run(runners[database]())
        report(database, rolled, raw, target=database == "postgres")


if __name__ == "__main__":
    main()
